#!/usr/bin/env bash
# Makes the hesitation set the Smart Turn tests use: sentences where the same speaker pauses
# 0.6-1.2 s in the middle (the turn is NOT over there), and the end of each sentence (the turn IS
# over there).
#
#   turn-detection/scripts/make-hesitations.sh [OUT_DIR]
#
# Each sentence is split at its commas. flite speaks the whole sentence once (so the words before
# a comma keep the intonation of a sentence that goes on), and its segment timing (-psdur) gives
# where each comma's short pause (100-250 ms, near silent) starts and ends; the script lengthens
# each such pause with digital silence to 600, 750, 900, 1050, 1200 ms in turn (cycling over the
# whole set), with 500 ms of silence before the sentence and 1000 ms after it. (Speaking each part alone, as first
# tried, makes every part a finished utterance with a final fall: Smart Turn then hears a finished
# turn at 13 of the 18 "pauses" at 200 ms; see SmartTurnHesitationTest.) One voice per sentence,
# cycling over flite's 16 kHz voices slt, rms (the bundled interview's two) and awb, kal16.
#
# Output (default OUT_DIR turn-detection/src/test/resources/dev/audiopipeline/turn/hesitations):
#   hNN-VOICE.wav      16 kHz mono 16-bit PCM, one sentence
#   hesitations.tsv    file, voice, kind (pause: mid-sentence, end: end of the sentence),
#                      speechEndMs (where the part's speech ends, in the file), silenceMs (the
#                      silence that follows), spoken (the sentence up to there)
#   (reference.tsv beside them, pipecat's probabilities, comes from make-mel-fixture.py)
#
# Needs flite 2.2 and sox (Debian: apt-get install flite sox). The output is committed, so builds
# and CI machines do not need flite.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$here/src/test/resources/dev/audiopipeline/turn/hesitations}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rate=16000
lead_ms=500
tail_ms=1000
pauses=(600 750 900 1050 1200)
voices=(slt rms awb kal16)

sentences=(
  "When I started at the company, we had only three engineers, and no tests at all."
  "If the build fails on a Friday, we fix it before we go home."
  "My manager, who had worked there for ten years, asked me to lead the project."
  "After the first release, the number of support calls went down by half."
  "To be honest, I was not sure that the new database would be fast enough."
  "Before we moved the service, we ran both systems side by side for a month."
  "The team in Berlin, the team in Lisbon, and our own team met every Monday."
  "Although the deadline was tight, we finished the work on time."
  "In my free time, I like to read, cook, and walk in the mountains."
  "When a customer calls with a problem, I first try to understand what they need."
  "Last spring, after a long discussion, we decided to rewrite the payment module."
  "If you give me a week, I can prepare a detailed plan for the migration."
)

silence() { # silence FILE MS
  sox -r "$rate" -c 1 -b 16 -e signed-integer -n "$1" trim 0 "$(($2 * rate / 1000))s"
}

printf 'file\tvoice\tkind\tspeechEndMs\tsilenceMs\tspoken\n' > "$out/hesitations.tsv"
pause_index=0
for i in "${!sentences[@]}"; do
  sentence="${sentences[$i]}"
  voice="${voices[$((i % ${#voices[@]}))]}"
  file="$(printf 'h%02d-%s.wav' $((i + 1)) "$voice")"
  IFS=',' read -ra parts <<< "$sentence"
  # Speak the whole sentence once and read flite's segment timing: "phone:endSeconds ...".
  flite -voice "$voice" -psdur -t "$sentence" -o "$work/raw.wav" > "$work/segments.txt"
  sox "$work/raw.wav" -r "$rate" -c 1 -b 16 -e signed-integer "$work/full.wav"
  # speech runs between flite's pauses (pau: before and after the sentence, and at each comma):
  # "fromSample speechEndSample pauseEndSample" per run; the run is kept with flite's own pause
  # after it (its speech fades out there, no cut mid-sound), then silence is added up to the gap
  tr ' ' '\n' < "$work/segments.txt" | awk -F: -v rate="$rate" '
    NF == 2 { if ($1 == "pau") { if (prev != "" && prev != "pau") printf "%d %d %d\n", from * rate + 0.5, prevEnd * rate + 0.5, $2 * rate + 0.5; from = $2 }
              prev = $1; prevEnd = $2 }' > "$work/runs.txt"
  runs=$(wc -l < "$work/runs.txt")
  if [ "$runs" -ne "${#parts[@]}" ]; then
    echo "make-hesitations: flite paused $((runs - 1)) times in \"$sentence\", which has $((${#parts[@]} - 1)) commas" >&2
    exit 1
  fi
  pieces=()
  silence "$work/lead.wav" "$lead_ms"
  pieces+=("$work/lead.wav")
  pos=$((lead_ms * rate / 1000)) # samples
  spoken=""
  k=0
  while read -r from speech_end to; do
    part="$(echo "${parts[$k]}" | sed 's/^ *//')"
    last=$((k == ${#parts[@]} - 1))
    [ "$last" = 1 ] || part="$part,"
    spoken="${spoken:+$spoken }$part"
    full_len=$(soxi -s "$work/full.wav")
    [ "$to" -le "$full_len" ] || to=$full_len # flite's last pau may end past its audio
    sox "$work/full.wav" "$work/p$i-$k.wav" trim "${from}s" "=${to}s"
    pieces+=("$work/p$i-$k.wav")
    flite_pause=$((to - speech_end)) # samples of flite's own pause kept after the speech
    pos=$((pos + speech_end - from))
    if [ "$last" = 1 ]; then
      kind=end
      gap=$tail_ms
    else
      kind=pause
      gap=${pauses[$((pause_index % ${#pauses[@]}))]}
      pause_index=$((pause_index + 1))
    fi
    sox -r "$rate" -c 1 -b 16 -e signed-integer -n "$work/g$i-$k.wav" \
      trim 0 "$((gap * rate / 1000 - flite_pause))s"
    pieces+=("$work/g$i-$k.wav")
    printf '%s\t%s\t%s\t%d\t%d\t%s\n' "$file" "$voice" "$kind" $((pos * 1000 / rate)) "$gap" \
      "$spoken" >> "$out/hesitations.tsv"
    pos=$((pos + gap * rate / 1000))
    k=$((k + 1))
  done < "$work/runs.txt"
  sox "${pieces[@]}" "$out/$file"
done
echo "wrote $out: ${#sentences[@]} sentences, $pause_index mid-sentence pauses"
