#!/usr/bin/env bash
# Generates the bundled sample interview used by examples/TranscribeInterview and its tests.
#
#   examples/scripts/make-interview.sh [OUT_DIR]
#
# Output (default: examples/src/main/resources/interview/):
#   recruiter.wav, candidate.wav  16 kHz mono 16-bit PCM, same length, aligned on one timeline:
#                                 each file holds silence while the other person speaks.
#   script.tsv                    the reference script: speaker, startMs, endMs, text
#                                 (tab-separated, one header line, times on the shared timeline).
#
# Needs flite and sox from Debian (apt-get install flite sox). The voices are flite's `slt`
# (recruiter) and `rms` (candidate): CMU Sphinx understands them well, unlike espeak-ng.
# The output is committed, so users of the repository do not need flite.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../src/main/resources/interview}"
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rate=16000
lead_ms=500    # silence before the first turn
gap_ms=700     # silence between turns
tail_ms=800    # silence after the last turn

# speaker <TAB> voice <TAB> text
cat > "$work/turns.tsv" <<'TURNS'
recruiter	slt	Good morning and thank you for coming in today. Could you start by telling me a little about yourself?
candidate	rms	Of course. I have worked as a software engineer for six years, mostly on back end systems written in Java. Before that I studied computer science at the state university.
recruiter	slt	What project are you most proud of in your current job?
candidate	rms	Last year I led a small team that moved our payment service to a new database. We finished on time, and the service has not had a single outage since then.
recruiter	slt	How do you handle a disagreement with a colleague about a technical decision?
candidate	rms	I try to listen first and understand their reasons. Then we write down the options, test the risky parts, and let the data decide.
recruiter	slt	Why do you want to leave your current company?
candidate	rms	I enjoy my work there, but I want to build products that people use every day, and your company does exactly that.
recruiter	slt	Do you have any questions for us?
candidate	rms	Yes. What would my first three months look like, and how does the team measure success?
recruiter	slt	Good question. You would work with a mentor on real features from the first week. We will be in touch by the end of next week.
candidate	rms	Thank you very much for your time. I look forward to hearing from you.
TURNS

ms_to_samples() { echo $(( $1 * rate / 1000 )); }
silence() { # silence FILE SAMPLES
  sox -r "$rate" -c 1 -b 16 -e signed-integer -n "$1" trim 0 "${2}s"
}

rec_parts=()
can_parts=()
pos=0   # samples
n=0
silence "$work/lead.wav" "$(ms_to_samples $lead_ms)"
rec_parts+=("$work/lead.wav"); can_parts+=("$work/lead.wav")
pos=$(ms_to_samples $lead_ms)
printf 'speaker\tstartMs\tendMs\ttext\n' > "$work/script.tsv"

while IFS=$'\t' read -r speaker voice text; do
  n=$((n + 1))
  if [ "$n" -gt 1 ]; then
    silence "$work/gap$n.wav" "$(ms_to_samples $gap_ms)"
    rec_parts+=("$work/gap$n.wav"); can_parts+=("$work/gap$n.wav")
    pos=$((pos + $(ms_to_samples $gap_ms)))
  fi
  flite -voice "$voice" -t "$text" -o "$work/raw$n.wav"
  sox "$work/raw$n.wav" -r "$rate" -c 1 -b 16 -e signed-integer "$work/turn$n.wav"
  len=$(soxi -s "$work/turn$n.wav")
  silence "$work/quiet$n.wav" "$len"
  if [ "$speaker" = recruiter ]; then
    rec_parts+=("$work/turn$n.wav"); can_parts+=("$work/quiet$n.wav")
  else
    rec_parts+=("$work/quiet$n.wav"); can_parts+=("$work/turn$n.wav")
  fi
  start_ms=$((pos * 1000 / rate))
  pos=$((pos + len))
  end_ms=$((pos * 1000 / rate))
  printf '%s\t%d\t%d\t%s\n' "$speaker" "$start_ms" "$end_ms" "$text" >> "$work/script.tsv"
done < "$work/turns.tsv"

silence "$work/tail.wav" "$(ms_to_samples $tail_ms)"
rec_parts+=("$work/tail.wav"); can_parts+=("$work/tail.wav")

sox "${rec_parts[@]}" "$out/recruiter.wav"
sox "${can_parts[@]}" "$out/candidate.wav"
cp "$work/script.tsv" "$out/script.tsv"
echo "wrote $out: $(soxi -d "$out/recruiter.wav") per speaker, $n turns"
