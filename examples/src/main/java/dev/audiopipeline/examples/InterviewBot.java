package dev.audiopipeline.examples;

import dev.audiopipeline.AudioPipeline;
import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.TtsProvider;
import dev.audiopipeline.TurnDetector;
import dev.audiopipeline.examples.cli.ExitStatus;
import dev.audiopipeline.examples.cli.Outcome;
import dev.audiopipeline.examples.cli.SessionRunner;
import dev.audiopipeline.examples.cli.StopOnSignal;
import dev.audiopipeline.examples.cli.TranscriptFiles;
import dev.audiopipeline.examples.cli.TranscriptRecorder;
import dev.audiopipeline.examples.cli.TranscriptSummary;
import dev.audiopipeline.examples.live.LiveViews;
import dev.audiopipeline.livekit.BargeIn;
import dev.audiopipeline.livekit.BargeInPolicy;
import dev.audiopipeline.livekit.LiveKitRoomSource;
import dev.audiopipeline.livekit.Utterance;
import dev.audiopipeline.sphinx.SphinxSttProvider;
import dev.audiopipeline.turn.NeuralTurnDetector;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * An interviewer bot in a LiveKit room: greets, asks the questions one by one, waits for the
 * candidate's end of turn after each, stops talking when interrupted, says goodbye, leaves and
 * writes the transcript of both sides. Options and exit statuses: {@code --help} ({@link
 * InterviewBotOptions#USAGE}).
 *
 * <pre>
 * LIVEKIT_URL=ws://... LIVEKIT_API_KEY=... LIVEKIT_API_SECRET=... LIVEKIT_ROOM=interview-42 \
 *   ./mvnw -q -pl examples exec:java -Dexec.mainClass=dev.audiopipeline.examples.InterviewBot \
 *   -Dexec.args="--out out"
 * </pre>
 *
 * <p>Read top to bottom: check everything the user can get wrong (exit 2), load the voice, the
 * recogniser and the turn detector, join the room through a transcription session, and let {@link
 * Conversation} talk on its own thread while {@link SessionRunner} waits for the end (the
 * conversation closing the session, the room closing, or Ctrl-C). Then the summary and the files,
 * as {@link TranscribeInterview} does.
 */
public final class InterviewBot {
  /** The greeting, said before the first question in the same breath. */
  static final String GREETING =
      "Hello, and thank you for joining. I am the interviewer today, and I have a few questions"
          + " for you.";

  /** The goodbye, after the last answer. */
  static final String GOODBYE =
      "That was my last question. Thank you very much for your time, and goodbye.";

  /** How much speech the detector needs before it reports it (see {@link #detector}). */
  static final Duration BARGE_IN_MIN_SPEECH = Duration.ofMillis(64);

  /**
   * Without the end-of-turn model, the silence that ends an answer: longer than the detector's 800
   * ms, since a candidate pauses between sentences (the bundled answers do, for about that).
   */
  static final Duration VAD_END_OF_TURN_SILENCE = Duration.ofMillis(1500);

  /** The least speech, in ms, that makes an end of turn an answer (a cough does not). */
  static final long MIN_ANSWER_MS = 500;

  /**
   * After an end of turn, how long the candidate must stay quiet before the bot speaks: speech that
   * resumes within it (a pause between sentences the end-of-turn model took for the end) continues
   * the answer, and the bot waits for the next end of turn instead of talking over it. With the
   * detector's 200 ms stop silence the bot replies after about 0.7 s of silence, as LiveKit's
   * agents do with their 0.5 s minimum endpointing delay after the VAD's end of speech.
   */
  static final Duration REPLY_DELAY = Duration.ofMillis(500);

  /** How long the candidate may be gone (a republished track, a reconnect) before the bot ends. */
  static final Duration CANDIDATE_GRACE = Duration.ofSeconds(10);

  private InterviewBot() {}

  public static void main(String[] args) {
    int code = run(args, System.out, System.err, System.getenv());
    System.out.flush();
    if (code != 0) {
      System.exit(code);
    }
  }

  /** Parses {@code args}, interviews and reports; returns the exit status. */
  static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
    InterviewBotOptions options;
    try {
      options = InterviewBotOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("error: " + e.getMessage());
      err.println("Run with --help for usage.");
      return ExitStatus.USAGE;
    }
    if (options.help()) {
      out.print(InterviewBotOptions.USAGE);
      return ExitStatus.OK;
    }
    try {
      return interview(options, out, err, env);
    } catch (RuntimeException e) {
      err.println("error: " + e);
      if (options.verbose()) {
        e.printStackTrace(err);
      }
      return ExitStatus.FAILED;
    }
  }

  private static int interview(
      InterviewBotOptions o, PrintStream out, PrintStream err, Map<String, String> env) {
    // 1. everything the user can get wrong, before anything loads or connects (exit 2)
    List<String> questions;
    LiveKitRoomSource room;
    java.util.function.Supplier<SttProvider> sttFactory;
    TtsProvider tts;
    try {
      questions = o.questions();
      String url = env.get("LIVEKIT_URL");
      if (url == null || url.isBlank()) {
        throw new IllegalArgumentException(
            "InterviewBot talks in a LiveKit room: set LIVEKIT_URL and either LIVEKIT_TOKEN, or"
                + " LIVEKIT_API_KEY + LIVEKIT_API_SECRET + LIVEKIT_ROOM");
      }
      sttFactory = SttChoice.factory(o.sttName(env), env::get);
      room = LiveKitRoomSource.fromEnv(env).speakerLabel(o.label()).captions(o.captions()).build();
      if (o.out() != null) {
        TranscriptFiles.prepareOutputDir(o.out());
      }
      tts = voice(o.ttsName(env), env, err);
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("error: " + e.getMessage());
      return ExitStatus.USAGE;
    }
    // 2. the voice, the recogniser and the turn detector
    try (tts;
        StopOnSignal signals = StopOnSignal.install(err, "interview-bot-shutdown");
        SttProvider stt = sttFactory.get();
        TurnDetector turns = turnDetector(o.turnDetection(), out);
        // --serve: the caption page of both sides (no terminal view: the bot prints its progress)
        LiveViews views = LiveViews.prepare(false, o.serve(), "InterviewBot", out, err)) {
      out.printf(
          "Joining LiveKit room %s as %s (%s voice, %s recogniser, turn detection %s, barge-in"
              + " %s); %d questions.%n",
          room,
          o.label(),
          tts.name(),
          stt.name(),
          turns.name(),
          o.bargeIn() ? "on" : "off",
          questions.size());
      if (stt instanceof SphinxSttProvider sphinx) {
        sphinx.preload(1);
      }
      AudioPipeline pipeline =
          AudioPipeline.builder()
              .stt(stt)
              .speakerMap(SpeakerMap.identity())
              .turnDetector(views.detector(turns)) // --serve meters its 16 kHz audio
              .closeTimeout(Duration.ofSeconds(3))
              .build();
      TranscriptionSession session = pipeline.startTranscription(room);
      Conversation talk = new Conversation(o, questions, room, tts, session, out);
      TranscriptRecorder recorder = new TranscriptRecorder(o.out(), out);
      try {
        // the conversation (and the page) subscribe: the session starts, the bot joins the room
        views.attach(session, room, recorder::finals, talk);
      } catch (IOException e) {
        err.println("error: --serve: " + e.getMessage());
        session.close();
        return ExitStatus.FAILED;
      }
      if (o.captions()) {
        room.publishCaptions(session); // both sides' lines as live captions in the room
      }
      BargeIn bargeIn = null;
      if (o.bargeIn()) {
        BargeInPolicy.Builder policy = BargeInPolicy.builder();
        if (o.candidateIdentity() != null) {
          policy.interruptibleBy(o.candidateIdentity());
        }
        bargeIn = BargeIn.start(session, policy.build(), talk::bargeIn);
      }
      talk.start(bargeIn);
      int code =
          SessionRunner.run(
              session,
              t -> recorder.accept(talk.relabel(t)),
              signals,
              null,
              err,
              o.verbose(),
              "interview-bot");
      talk.stop();
      if (bargeIn != null) {
        bargeIn.close();
      }
      if (code == ExitStatus.OK && talk.noCandidate()) {
        err.println(
            "error: no candidate joined within "
                + o.waitTimeout().toSeconds()
                + " s (--wait); the bot left the room");
        code = ExitStatus.NOTHING;
      } else if (code == ExitStatus.OK && talk.failure() != null) {
        err.println("error: " + talk.failure());
        code = ExitStatus.FAILED;
      }
      // 3. the report: summary and files, also after a signal (the hook waits for them)
      Outcome outcome = recorder.outcome();
      if (code == ExitStatus.OK && !talk.heardCandidate(outcome)) {
        // never a success for an interview that did not happen: the candidate left before the
        // first question, or never said a word the recogniser heard
        err.println(
            "error: "
                + (!talk.candidateSeen()
                    ? "no candidate joined before the room closed"
                    : talk.asked() == 0
                        ? "the candidate left before the first question was asked"
                        : "nothing the candidate said was heard")
                + "; the transcript holds the bot's side only");
        code = ExitStatus.NOTHING;
      }
      try {
        if (code == ExitStatus.INTERRUPTED) {
          out.println();
          out.println("Stopped by a signal: the transcript holds what was said until then.");
        }
        out.println(talk.summary());
        TranscriptSummary.print(out, outcome);
        recorder.writeFiles(outcome);
      } catch (IOException | UncheckedIOException e) {
        err.println("error: cannot write the transcript to " + o.out() + ": " + e.getMessage());
        return ExitStatus.FAILED;
      } finally {
        signals.written();
      }
      out.flush();
      return code;
    } catch (IllegalArgumentException | IllegalStateException e) {
      err.println("error: " + e.getMessage()); // a voice or model that cannot load
      return ExitStatus.FAILED;
    }
  }

  /**
   * The offline detector: {@code turn} (Silero VAD and Smart Turn; VAD alone, with a note, in a
   * build without the end-of-turn model) or {@code vad}.
   */
  static TurnDetector turnDetector(String mode, PrintStream out) {
    if (mode.equals("vad")) {
      return detector(NeuralTurnDetector.Mode.VAD);
    }
    try {
      return detector(NeuralTurnDetector.Mode.TURN);
    } catch (IllegalStateException e) {
      out.println("note: " + e.getMessage() + "; turns end after a silence (vad)");
      return detector(NeuralTurnDetector.Mode.VAD);
    }
  }

  /**
   * Speech is reported after 64 ms of it instead of the detector's 200 ms: barge-in pauses the bot
   * that much sooner (measured in a real room: 120 ms from the candidate's onset to the bot's
   * silence at a listener). The price, a few more short sounds reported as speech, is paid by the
   * barge-in policy (they resume the bot after a short hold) and by the answer rule (an end of turn
   * counts only after half a second of speech).
   */
  private static TurnDetector detector(NeuralTurnDetector.Mode mode) {
    return NeuralTurnDetector.builder()
        .mode(mode)
        .minSpeech(BARGE_IN_MIN_SPEECH)
        .endOfTurnSilence(VAD_END_OF_TURN_SILENCE)
        .build();
  }

  /** The voice by name, as {@link SpeakText} makes it (ElevenLabs' variables, or FreeTTS). */
  static TtsProvider voice(String name, Map<String, String> env, PrintStream err) {
    return SpeakText.provider(
        new SpeakText.Options(
            java.nio.file.Path.of("speech.wav"), false, false, name, false, false, null),
        env,
        err);
  }

  /**
   * The interview itself, on its own thread: waits for a candidate, greets, asks, listens, says
   * goodbye and closes the session. Learns what happens in the room from the session's events.
   */
  static final class Conversation implements Flow.Subscriber<PipelineEvent> {
    private final InterviewBotOptions o;
    private final List<String> questions;
    private final LiveKitRoomSource room;
    private final TtsProvider tts;
    private final TranscriptionSession session;
    private final PrintStream out;
    private final Object lock = new Object();
    private final Map<String, String> streams = new HashMap<>(); // streamId -> identity
    private @Nullable String candidate; // guarded by lock
    private int candidateStreams; // guarded by lock
    private long candidateGoneAt = -1; // guarded by lock, nanoTime
    private boolean ended; // guarded by lock: the session ended or stop() was called
    private @Nullable Thread thread;
    private volatile @Nullable BargeIn bargeIn;
    private volatile boolean noCandidate;
    private volatile boolean candidateSeen;
    private volatile @Nullable String failure;
    private volatile int asked;
    private volatile int lastPlayedChars;
    private volatile int interrupted;
    private final CandidateTurns turns; // guarded by lock
    private volatile long interruptionOnsetMs = -1;

    Conversation(
        InterviewBotOptions o,
        List<String> questions,
        LiveKitRoomSource room,
        TtsProvider tts,
        TranscriptionSession session,
        PrintStream out) {
      this.o = o;
      this.questions = questions;
      this.room = room;
      this.tts = tts;
      this.session = session;
      this.out = out;
      this.candidate = o.candidateIdentity();
      this.turns = new CandidateTurns(lock, this::overLocked, out, MIN_ANSWER_MS, REPLY_DELAY);
    }

    void start(@Nullable BargeIn b) {
      bargeIn = b;
      Thread t = new Thread(this::converse, "interview-bot-conversation");
      t.setDaemon(true);
      thread = t;
      t.start();
    }

    /** The session has ended (or the program stops): the conversation stops. */
    void stop() {
      synchronized (lock) {
        ended = true;
        lock.notifyAll();
      }
      room.stopSpeaking();
      Thread t = thread;
      if (t != null && t != Thread.currentThread()) {
        try {
          t.join(2_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    boolean noCandidate() {
      return noCandidate;
    }

    int asked() {
      return asked;
    }

    /** Whether a stream of the candidate was ever seen. */
    boolean candidateSeen() {
      return candidateSeen;
    }

    /** Whether the candidate was asked a question and the transcript holds a line of theirs. */
    boolean heardCandidate(Outcome outcome) {
      return asked > 0
          && outcome.finals().stream()
              .anyMatch(t -> t.speaker().equals(BundledInterview.CANDIDATE) && !t.text().isBlank());
    }

    @Nullable String failure() {
      return failure;
    }

    String summary() {
      int answered;
      int timedOut;
      int resumed;
      synchronized (lock) {
        answered = turns.answered();
        timedOut = turns.timedOut();
        resumed = turns.resumed();
      }
      return String.format(
          "Interview: %d of %d questions asked, %d answered (end of turn), %d timed out,"
              + " %d interrupted, %d went on after a pause.",
          asked, questions.size(), answered, timedOut, interrupted, resumed);
    }

    /** The candidate's lines are labelled "candidate" in the transcript. */
    Transcript relabel(Transcript t) {
      String c;
      synchronized (lock) {
        c = candidate;
      }
      if (c == null || !t.participantIdentity().equals(c) || t.speaker().equals("candidate")) {
        return t;
      }
      return new Transcript(
          BundledInterview.CANDIDATE,
          t.participantIdentity(),
          t.text(),
          t.startMs(),
          t.endMs(),
          t.isFinal(),
          t.language(),
          t.confidence(),
          t.words(),
          t.segmentId(),
          t.provider());
    }

    void bargeIn(BargeIn.Decision d) {
      if (d.kind() == BargeIn.Kind.STOPPED) {
        interrupted++;
        interruptionOnsetMs = d.speechOnsetMs(); // the answer the question was stopped for
      }
      out.printf(
          "  [barge-in: %s at %s, speech from %s]%n",
          d.kind().name().toLowerCase(java.util.Locale.ROOT),
          TranscriptSummary.clock(d.atMs()),
          TranscriptSummary.clock(d.speechOnsetMs()));
    }

    // ---------------------------------------------------------------- the interview

    private void converse() {
      try {
        if (!awaitCandidate()) {
          return;
        }
        // the greeting leads into the first question, as an interviewer would say it
        for (int i = 0; i < questions.size(); i++) {
          String q = questions.get(i);
          Said said = say(i == 0 ? GREETING + " " + q : q);
          if (said == Said.OVER) {
            return;
          }
          if (said == Said.INTERRUPTED) {
            // the candidate talked over the question: let them finish (their speech since the
            // onset that stopped the bot counts); if they cut in before most of it was heard (they
            // were still answering the last one), ask it again
            long onset = interruptionOnsetMs;
            if (!awaitAnswer(onset >= 0 ? Math.min(onset, session.nowMs()) : session.nowMs())) {
              return;
            }
            if (lastPlayedChars * 2 >= q.length()) {
              asked++; // heard enough: that turn was the answer
              continue;
            }
            if (say(q) == Said.OVER) {
              return;
            }
          }
          asked++;
          if (!awaitAnswer(session.nowMs())) { // the answer's end of turn after the question
            return;
          }
        }
        say(GOODBYE);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        failure = "the interview failed: " + e.getMessage();
      } finally {
        synchronized (lock) {
          ended = true;
        }
        closeInBackground();
      }
    }

    /** How an utterance ended. */
    enum Said {
      PLAYED,
      INTERRUPTED,
      OVER
    }

    /** Waits for the candidate's first stream; false when none came (or the session ended). */
    private boolean awaitCandidate() throws InterruptedException {
      long deadline = System.nanoTime() + o.waitTimeout().toNanos();
      synchronized (lock) {
        while (!ended && candidateStreams == 0) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            noCandidate = true;
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(lock, left);
        }
        if (ended) {
          return false;
        }
        out.println("  [candidate: " + candidate + "]");
        return true;
      }
    }

    /**
     * Says {@code text} under barge-in and waits until it has played or been stopped: {@link
     * Said#OVER} when the interview is over (the session ended, the candidate left for good, the
     * voice failed).
     */
    private Said say(String text) throws InterruptedException {
      if (over()) {
        return Said.OVER;
      }
      Utterance u = room.speak(tts, text);
      BargeIn b = bargeIn;
      if (b != null) {
        b.watch(u);
      }
      try {
        // an utterance that takes longer than ten minutes has lost its room
        u.completion().toCompletableFuture().get(10, TimeUnit.MINUTES);
      } catch (ExecutionException e) {
        if (!over()) {
          Throwable c = e.getCause();
          failure = "the bot could not speak: " + (c == null ? e : c.getMessage());
        }
        return Said.OVER;
      } catch (TimeoutException e) {
        u.cancel();
        failure = "an utterance did not end within 10 minutes";
        return Said.OVER;
      }
      if (over()) {
        return Said.OVER;
      }
      lastPlayedChars = u.playedText().length();
      return u.state() == Utterance.State.CANCELLED ? Said.INTERRUPTED : Said.PLAYED;
    }

    /**
     * Waits for the end of the candidate's answer after {@code afterMs} (session time; see {@link
     * CandidateTurns}), at most {@code --answer-timeout}. False when the interview is over.
     */
    private boolean awaitAnswer(long afterMs) throws InterruptedException {
      synchronized (lock) {
        return turns.awaitAnswer(afterMs, o.answerTimeout());
      }
    }

    private boolean over() {
      synchronized (lock) {
        return overLocked();
      }
    }

    private boolean overLocked() {
      if (ended) {
        return true;
      }
      if (candidateGoneAt >= 0 && System.nanoTime() - candidateGoneAt > CANDIDATE_GRACE.toNanos()) {
        out.println("  [the candidate left: ending the interview]");
        ended = true;
        return true;
      }
      return false;
    }

    private void closeInBackground() {
      Thread t = new Thread(session::close, "interview-bot-leave");
      t.setDaemon(true);
      t.start();
    }

    // ---------------------------------------------------------------- the room's events

    @Override
    public void onSubscribe(Flow.Subscription s) {
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(PipelineEvent e) {
      synchronized (lock) {
        if (e instanceof PipelineEvent.SpeakerJoined j) {
          streams.put(j.streamId(), j.identity());
          if (candidate == null) {
            candidate = j.identity(); // the first participant who is not the bot
          }
          if (j.identity().equals(candidate)) {
            candidateStreams++;
            candidateSeen = true;
            candidateGoneAt = -1;
          }
        } else if (e instanceof PipelineEvent.SpeakerLeft l) {
          if (l.identity().equals(candidate) && --candidateStreams == 0) {
            candidateGoneAt = System.nanoTime();
          }
        } else if (e instanceof PipelineEvent.SpeechStarted st && isCandidate(st.streamId())) {
          turns.speechStarted(st.atMs());
        } else if (e instanceof PipelineEvent.SpeechEnded en && isCandidate(en.streamId())) {
          turns.speechEnded(en.atMs());
        } else if (e instanceof PipelineEvent.EndOfTurn t) {
          String who = streams.get(t.streamId());
          if (who != null && who.equals(candidate)) {
            turns.endOfTurn(t.atMs());
          }
        }
        lock.notifyAll();
      }
    }

    private boolean isCandidate(String streamId) {
      String who = streams.get(streamId);
      return who != null && who.equals(candidate);
    }

    @Override
    public void onError(Throwable t) {
      onComplete();
    }

    @Override
    public void onComplete() {
      synchronized (lock) {
        ended = true;
        lock.notifyAll();
      }
    }
  }
}
