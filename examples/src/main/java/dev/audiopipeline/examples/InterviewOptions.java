package dev.audiopipeline.examples;

import static dev.audiopipeline.examples.cli.OptionValues.identity;
import static dev.audiopipeline.examples.cli.OptionValues.seconds;
import static dev.audiopipeline.examples.cli.OptionValues.value;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.examples.live.ServeAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** {@link TranscribeInterview}'s options after parsing (immutable), and its usage text. */
record InterviewOptions(
    boolean fast,
    @Nullable Path out,
    @Nullable Path recruiterWav,
    @Nullable Path candidateWav,
    @Nullable String language,
    boolean help,
    @Nullable String stt,
    String recruiterIdentity,
    String candidateIdentity,
    @Nullable Duration duration,
    boolean verbose,
    String turnDetection,
    boolean tui,
    @Nullable ServeAddress serve) {

  /** {@code --turn-detection} values; the default is the first, the best the module offers. */
  static final java.util.List<String> TURN_DETECTION = java.util.List.of("turn", "vad", "off");

  static InterviewOptions parse(String[] args) {
    SharedOptions shared = new SharedOptions(TURN_DETECTION);
    boolean fast = false;
    Path recruiter = null;
    Path candidate = null;
    String language = null;
    String recruiterIdentity = BundledInterview.RECRUITER;
    String candidateIdentity = BundledInterview.CANDIDATE;
    Duration duration = null;
    boolean tui = false;
    ServeAddress serve = null;
    for (int i = 0; i < args.length; i++) {
      int last = shared.accept(args, i);
      if (last >= 0) {
        i = last;
        continue;
      }
      String a = args[i];
      switch (a) {
        case "--fast" -> fast = true;
        case "--recruiter-wav" -> recruiter = Path.of(value(args, ++i, a));
        case "--candidate-wav" -> candidate = Path.of(value(args, ++i, a));
        case "--language" -> language = value(args, ++i, a);
        case "--recruiter-identity" -> recruiterIdentity = identity(value(args, ++i, a), a);
        case "--candidate-identity" -> candidateIdentity = identity(value(args, ++i, a), a);
        case "--duration" -> duration = seconds(value(args, ++i, a), a);
        case "--tui" -> tui = true;
        case "--serve" -> serve = ServeAddress.parse(value(args, ++i, a), a);
        default ->
            throw new IllegalArgumentException(
                "unknown option '"
                    + a
                    + "': accepted --fast, --out DIR, --recruiter-wav FILE,"
                    + " --candidate-wav FILE, --language CODE, --stt NAME, --recruiter-identity ID,"
                    + " --candidate-identity ID, --duration SECONDS, --turn-detection MODE, --tui, --serve PORT,"
                    + " --verbose, --help");
      }
    }
    shared.check();
    String stt = shared.stt;
    if ((recruiter == null) != (candidate == null)) {
      throw new IllegalArgumentException(
          "give both --recruiter-wav and --candidate-wav (one recording per speaker), or"
              + " neither for the bundled interview");
    }
    if (language != null) {
      try {
        AudioPipeline.builder().language(language);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--language " + e.getMessage(), e);
      }
    }
    boolean embedded = stt == null || stt.equals("sphinx");
    if (embedded && language != null && !embeddedAccepts(language)) {
      throw new IllegalArgumentException(
          "--language '"
              + language
              + "' is not supported by the"
              + " embedded recogniser: accepted en, en-US");
    }
    if (recruiterIdentity.equals(candidateIdentity)) {
      throw new IllegalArgumentException(
          "--recruiter-identity and --candidate-identity are both '"
              + recruiterIdentity
              + "': give each speaker their own identity");
    }
    return new InterviewOptions(
        fast,
        shared.out,
        recruiter,
        candidate,
        language,
        shared.help,
        stt,
        recruiterIdentity,
        candidateIdentity,
        duration,
        shared.verbose,
        shared.turnDetection,
        tui,
        serve);
  }

  /** Whether the embedded model accepts {@code language} (en, en-US). */
  static boolean embeddedAccepts(String language) {
    String l = language.toLowerCase(Locale.ROOT).replace('_', '-');
    return l.equals("en") || l.equals("en-us");
  }

  static final String USAGE =
      """
      Usage: TranscribeInterview [options]

      Transcribes a two-person interview live with speaker labels, offline: the embedded
      CMU Sphinx4 recogniser (US English) runs in this JVM; no API key, no network.
      Without options it plays the bundled 83-second interview in real time.

      Options:
        --fast                  read the audio as fast as the recogniser goes (no real-time pacing)
        --out DIR               also write DIR/transcript.jsonl, .srt and .vtt (finals only) and,
                                with turn detection, DIR/events.jsonl (speech started/ended, end
                                of turn: speaker, type, atMs on the timeline, probability)
        --recruiter-wav FILE    the recruiter's recording (give --candidate-wav too)
        --candidate-wav FILE    the candidate's recording; both files start at the same instant.
                                Accepted: WAV, 16-bit PCM, any rate from 1 to 384 kHz, 1-8 channels
                                (down-mixed and resampled to 16 kHz mono by the pipeline)
        --language CODE         recognition language; the embedded model accepts en or en-US
        --stt NAME              recogniser: sphinx (default, offline), elevenlabs, deepgram, or
                                fallback (ElevenLabs -> Deepgram -> Sphinx, those with a key)
        --turn-detection MODE   per-speaker turn detection, offline (Silero VAD, Smart Turn):
                                turn (default): speech activity and the end-of-turn model;
                                vad: speech activity only, end of turn after 0.8 s of silence;
                                off: none, each recogniser's own silence timer ends utterances.
                                At an end of turn the recogniser is asked for its finals at once
                                (Sphinx cuts the utterance, Deepgram Finalize, ElevenLabs commit)
        --tui                   full-screen terminal view: per-speaker level meters (RMS, peak,
                                waveform), partials replaced by finals, talk time, reconnects;
                                q ends the transcription, then q again closes the view
        --serve PORT            a live caption page at http://127.0.0.1:PORT/ (HOST:PORT to bind
                                elsewhere; 0 for any free port): a lane per speaker, level meters,
                                talk time, JSONL/SRT/VTT downloads; with files it keeps serving
                                after the transcript is done, until Ctrl-C
        --verbose               show the stack trace of an unexpected error
        --help                  this text

      Output: "mm:ss.s-mm:ss.s speaker: text" for finals, "... mm:ss.s speaker: text" for
      partials (times on the interview's timeline), then a summary. With --out, each final is
      appended to transcript.jsonl as it arrives; at the end that file is rewritten in timeline
      order and transcript.srt and .vtt are added. Ctrl-C (SIGINT) or SIGTERM stops the
      transcription: the finals for audio already heard are awaited for a few seconds, then the
      summary and the files are written before the process exits.

      Exit status:
        0    done: at least one final transcript
        1    the transcription failed (the finals so far are still printed and written)
        2    bad option, input file, output directory or environment (nothing was started)
        3    finished, but nothing was transcribed (no final transcript): no files written
        130  stopped by Ctrl-C (143 for SIGTERM); the summary and files are written

      Cloud recognisers read their keys from the environment:
        --stt elevenlabs        ELEVENLABS_API_KEY (optional ELEVENLABS_STT_BASE_URL,
                                ELEVENLABS_STT_MODEL, ELEVENLABS_STT_LANGUAGE)
        --stt deepgram          DEEPGRAM_API_KEY (optional DEEPGRAM_BASE_URL, DEEPGRAM_MODEL,
                                DEEPGRAM_LANGUAGE)
      Base URLs: wss://host (ws:// for a local fake); https:// and http:// are accepted and mean
      wss:// and ws://. ELEVENLABS_BASE_URL is read when ELEVENLABS_STT_BASE_URL is unset.

      LiveKit room instead of files: set LIVEKIT_URL and either LIVEKIT_TOKEN, or
      LIVEKIT_API_KEY + LIVEKIT_API_SECRET + LIVEKIT_ROOM (optional LIVEKIT_IDENTITY for the
      bot). The bot joins the room and transcribes every participant until the room closes,
      --duration runs out or you press Ctrl-C; then the summary and --out files are written
      and the process exits.
        --recruiter-identity ID the recruiter's participant identity (default: recruiter)
        --candidate-identity ID the candidate's participant identity (default: candidate)
                                other participants are labelled with their identity
        --duration SECONDS      leave the room after this long (default: until it closes)
      """;
}
