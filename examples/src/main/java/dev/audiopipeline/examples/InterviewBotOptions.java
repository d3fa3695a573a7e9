package dev.audiopipeline.examples;

import static dev.audiopipeline.examples.cli.OptionValues.identity;
import static dev.audiopipeline.examples.cli.OptionValues.seconds;
import static dev.audiopipeline.examples.cli.OptionValues.value;

import dev.audiopipeline.examples.live.ServeAddress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** {@link InterviewBot}'s options after parsing (immutable), and its usage text. */
record InterviewBotOptions(
    @Nullable Path out,
    @Nullable Path questionsFile,
    @Nullable String candidateIdentity,
    @Nullable String stt,
    @Nullable String tts,
    String turnDetection,
    boolean bargeIn,
    boolean captions,
    String label,
    Duration answerTimeout,
    Duration waitTimeout,
    @Nullable ServeAddress serve,
    boolean verbose,
    boolean help) {

  /** The accepted voices. */
  static final List<String> TTS_NAMES = List.of("freetts", "elevenlabs");

  /** The accepted turn-detection modes. */
  static final List<String> TURN_MODES = List.of("turn", "vad");

  /** Most questions a file may hold. */
  static final int MAX_QUESTIONS = 200;

  /** Longest question, in characters. */
  static final int MAX_QUESTION_CHARS = 2_000;

  static InterviewBotOptions parse(String[] args) {
    SharedOptions shared = new SharedOptions(TURN_MODES);
    Path questions = null;
    String candidate = null;
    String tts = null;
    boolean bargeIn = true;
    boolean captions = true;
    String label = "interviewer";
    Duration answer = Duration.ofSeconds(120);
    Duration wait = Duration.ofSeconds(300);
    ServeAddress serve = null;
    for (int i = 0; i < args.length; i++) {
      int last = shared.accept(args, i);
      if (last >= 0) {
        i = last;
        continue;
      }
      String a = args[i];
      switch (a) {
        case "--questions" -> questions = Path.of(value(args, ++i, a));
        case "--candidate-identity" -> candidate = identity(value(args, ++i, a), a);
        case "--tts" -> tts = value(args, ++i, a);
        case "--no-barge-in" -> bargeIn = false;
        case "--no-captions" -> captions = false;
        case "--label" -> label = label(value(args, ++i, a));
        case "--answer-timeout" -> answer = seconds(value(args, ++i, a), a);
        case "--wait" -> wait = seconds(value(args, ++i, a), a);
        case "--serve" -> serve = ServeAddress.parse(value(args, ++i, a), a);
        default ->
            throw new IllegalArgumentException(
                "unknown option '"
                    + a
                    + "': accepted --questions FILE, --out DIR, --candidate-identity ID,"
                    + " --stt NAME, --tts NAME, --turn-detection MODE, --no-barge-in,"
                    + " --no-captions, --label LABEL, --answer-timeout SECONDS, --wait SECONDS,"
                    + " --serve PORT, --verbose, --help");
      }
    }
    shared.check();
    if (tts != null && !TTS_NAMES.contains(tts)) {
      throw new IllegalArgumentException(
          "--tts '" + tts + "' is not a voice: accepted " + String.join(", ", TTS_NAMES));
    }
    return new InterviewBotOptions(
        shared.out,
        questions,
        candidate,
        shared.stt,
        tts,
        shared.turnDetection,
        bargeIn,
        captions,
        label,
        answer,
        wait,
        serve,
        shared.verbose,
        shared.help);
  }

  private static String label(String v) {
    if (v.isBlank() || v.length() > 64) {
      throw new IllegalArgumentException(
          "--label '" + v + "': accepted 1 to 64 characters, not blank");
    }
    return v.strip();
  }

  /**
   * The questions: from {@code --questions FILE} (UTF-8, one a line; blank lines and lines starting
   * with {@code #} skipped), else the bundled set.
   *
   * @throws IllegalArgumentException naming the file and what is wrong (unreadable, not UTF-8, no
   *     question, too many, a line too long)
   */
  List<String> questions() {
    Path f = questionsFile;
    byte[] bytes;
    String name;
    try {
      if (f == null) {
        name = "the bundled questions";
        try (InputStream in =
            InterviewBotOptions.class.getResourceAsStream("/interview/questions.txt")) {
          if (in == null) {
            throw new IllegalStateException("bundled /interview/questions.txt is missing");
          }
          bytes = in.readAllBytes();
        }
      } else {
        name = "--questions " + f;
        if (Files.isDirectory(f)) {
          throw new IllegalArgumentException(
              name + " is a directory: give a text file with one question a line");
        }
        bytes = Files.readAllBytes(f);
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "--questions " + f + " cannot be read: " + e + ": give a text file, one question a line",
          e);
    }
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(java.nio.ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException(
          name + " is not UTF-8 text: give a text file, one question a line", e);
    }
    List<String> out = new ArrayList<>();
    String[] lines = text.split("\r?\n|\r", -1);
    for (int i = 0; i < lines.length; i++) {
      String q = lines[i].strip();
      if (i == 0 && q.startsWith("\uFEFF")) {
        q = q.substring(1).strip();
      }
      if (q.isEmpty() || q.startsWith("#")) {
        continue;
      }
      if (q.length() > MAX_QUESTION_CHARS) {
        throw new IllegalArgumentException(
            name
                + ": line "
                + (i + 1)
                + " has "
                + q.length()
                + " characters: accepted up to "
                + MAX_QUESTION_CHARS
                + " a question");
      }
      if (q.codePoints().anyMatch(c -> Character.isISOControl(c) && c != '\t')) {
        throw new IllegalArgumentException(
            name + ": line " + (i + 1) + " holds a control character: give plain text");
      }
      out.add(q);
      if (out.size() > MAX_QUESTIONS) {
        throw new IllegalArgumentException(
            name
                + " has more than "
                + MAX_QUESTIONS
                + " questions: accepted 1 to "
                + MAX_QUESTIONS);
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          name
              + " has no question: give one question a line (blank lines and lines starting with #"
              + " are skipped)");
    }
    return List.copyOf(out);
  }

  /** The voice to use: the one asked for, else ElevenLabs when its key is set, else FreeTTS. */
  String ttsName(java.util.Map<String, String> env) {
    if (tts != null) {
      return tts;
    }
    String key = env.get("ELEVENLABS_API_KEY");
    return key != null && !key.isBlank() ? "elevenlabs" : "freetts";
  }

  /** The recogniser to use: the one asked for, else Deepgram when its key is set, else Sphinx. */
  String sttName(java.util.Map<String, String> env) {
    if (stt != null) {
      return stt;
    }
    String key = env.get("DEEPGRAM_API_KEY");
    return key != null && !key.isBlank() ? "deepgram" : "sphinx";
  }

  static final String USAGE =
      """
      Usage: InterviewBot [options]

      An interviewer bot in a LiveKit room: it joins, greets the candidate, asks each question
      and waits for the candidate's answer (their end of turn), lets itself be interrupted,
      says goodbye, leaves, and writes the transcript of both sides.

      The room: LIVEKIT_URL and either LIVEKIT_TOKEN, or LIVEKIT_API_KEY + LIVEKIT_API_SECRET +
      LIVEKIT_ROOM (optional LIVEKIT_IDENTITY for the bot, default audio-pipeline-bot).

      Options:
        --questions FILE        the questions, one a line (UTF-8; blank lines and lines starting
                                with # are skipped; 1 to 200 questions of up to 2000 characters);
                                default: a bundled set of five
        --out DIR               also write DIR/transcript.jsonl, .srt and .vtt (both sides, finals)
        --candidate-identity ID whom to interview (default: the first participant who is not the
                                bot); other participants are transcribed under their identity
        --stt NAME              recogniser: sphinx (embedded, offline), elevenlabs, deepgram or
                                fallback; default: deepgram when DEEPGRAM_API_KEY is set, else sphinx
        --tts NAME              voice: freetts (embedded, offline) or elevenlabs; default:
                                elevenlabs when ELEVENLABS_API_KEY is set, else freetts
        --turn-detection MODE   turn (default: speech activity and the end-of-turn model) or vad
                                (speech activity; a turn ends after a silence)
        --no-barge-in           never stop talking when the candidate speaks
        --no-captions           publish no captions into the room (default: on)
        --label LABEL           the bot's speaker label in the transcript (default: interviewer)
        --answer-timeout SECONDS  move on when an answer has not ended after this long
                                (default: 120)
        --wait SECONDS          give up when no candidate has joined after this long (default: 300)
        --serve PORT            a live caption page of both sides at http://127.0.0.1:PORT/
                                (HOST:PORT to bind elsewhere; 0 for any free port): a lane per
                                speaker, level meters, talk time, JSONL/SRT/VTT downloads
        --verbose               show the stack trace of an unexpected error
        --help                  this text

      Barge-in: while the bot speaks, the candidate's speech pauses it at once; speech of at
      least 0.5 s with a recognised word stops the question (the transcript keeps what was
      said), a shorter sound or speech without words within 2 s resumes it where it stopped.

      The bot ends by itself after the goodbye, when the room closes or the candidate leaves.
      Ctrl-C (SIGINT) or SIGTERM leaves the room; the transcript is written within 5 s.

      Exit status:
        0    the interview ran to its end (or the room closed); the transcript is written
        1    it failed (the room, the recogniser or the voice; what was said is still written)
        2    bad option, questions file, output directory or environment (nothing was started)
        3    no candidate joined within --wait or before the room closed, the candidate left
             before the first question, or nothing they said was heard
        130  stopped by Ctrl-C (143 for SIGTERM); the transcript is written

      Cloud keys: ELEVENLABS_API_KEY (voice and recogniser), DEEPGRAM_API_KEY; the variables
      of TranscribeInterview --help and SpeakText --help apply.
      """;
}
