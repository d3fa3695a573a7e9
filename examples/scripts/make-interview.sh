#!/usr/bin/env bash
# Generates the bundled sample interviews used by examples/TranscribeInterview and its tests.
#
#   examples/scripts/make-interview.sh [--second] [OUT_DIR]
#
# Without --second: the first interview (default OUT_DIR examples/src/main/resources/interview/),
# voices flite `slt` (recruiter) and `rms` (candidate), played by TranscribeInterview.
# With --second: another interview with other voices and another text (default OUT_DIR
# examples/src/main/resources/interview2/), voices `awb` (recruiter, Scottish English) and
# `kal16` (candidate, the diphone voice): a check that what holds on the first one is not tuned
# to its two voices.
#
# Output:
#   recruiter.wav, candidate.wav  16 kHz mono 16-bit PCM, same length, aligned on one timeline:
#                                 each file holds silence while the other person speaks.
#   script.tsv                    the reference script: speaker, startMs, endMs, text
#                                 (tab-separated, one header line, times on the shared timeline).
#
# Needs flite and sox from Debian (apt-get install flite sox). flite's voices are used because
# CMU Sphinx understands them well, unlike espeak-ng.
# The output is committed, so users of the repository do not need flite.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
second=false
if [ "${1:-}" = --second ]; then
  second=true
  shift
fi
if $second; then
  out="${1:-$here/../src/main/resources/interview2}"
else
  out="${1:-$here/../src/main/resources/interview}"
fi
mkdir -p "$out"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

rate=16000
lead_ms=500    # silence before the first turn
gap_ms=700     # silence between turns
tail_ms=800    # silence after the last turn

# speaker <TAB> voice <TAB> text
if $second; then
cat > "$work/turns.tsv" <<'TURNS'
recruiter	awb	Hello, and thank you for joining us this afternoon. How did you first hear about this position?
candidate	kal16	A friend in your sales department told me about it. I read the job description that evening and applied the next morning.
recruiter	awb	How many people did you manage in your last role?
candidate	kal16	Eight people. Four of them were new graduates, so I spent a lot of time on training and regular feedback.
recruiter	awb	Tell me about a time when a project went wrong. What did you learn from it?
candidate	kal16	Two years ago we launched a mobile app three weeks late because we underestimated the testing. Since then I plan more time for quality checks, and I tell the client about the risks early.
recruiter	awb	Thank you. How would your colleagues describe your way of working?
candidate	kal16	They would say that I am calm, well organized, and always ready to help. I also ask a lot of questions.
recruiter	awb	What salary are you expecting, and when could you start?
candidate	kal16	I am looking for a fair salary in line with the market. I could start in one month, after my notice period.
recruiter	awb	Thank you for your answers. We will call you next Monday with our decision, and you can send us any other questions by email.
candidate	kal16	Thank you for your time. I hope to hear good news soon.
TURNS
else
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
fi

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
