package dev.audiopipeline.livekit;

import dev.audiopipeline.PipelineEvent;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Flow;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@link BargeInPolicy} to what the bot says: listens to a session's speech events and
 * transcripts and pauses, resumes or stops the utterance it {@linkplain #watch watches}.
 *
 * <p>The speech events come from the pipeline's {@link dev.audiopipeline.TurnDetector} ({@link
 * dev.audiopipeline.AudioPipeline.Builder#turnDetector}); a pipeline without one publishes none,
 * and then nobody interrupts the bot. Words are the non-blank partial or final transcripts of
 * participants who have a speaker stream in the session (the bot's own lines never count).
 *
 * <p>Decisions are taken on the session's event-delivery thread as events arrive, and on one timer
 * thread ({@code audio-pipeline-bargein-<session>}) for the minimum duration and the
 * false-interruption timeout; both only flip the utterance's state (they never block). {@link
 * #close()} stops the timer thread and cancels the subscription; the session stays yours.
 */
public final class BargeIn implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BargeIn.class);

  /** What happened to the watched utterance. */
  public enum Kind {
    /** It fell silent (the rest kept). */
    PAUSED,
    /** It plays on: the sound was too short, or no word came (a false interruption). */
    RESUMED,
    /** It was stopped for good by an interruption. */
    STOPPED
  }

  /**
   * One decision, for logs and measurements.
   *
   * @param kind what the utterance was told to do
   * @param atMs when, on the session timeline
   * @param speechOnsetMs the onset of the speech it is about, on the session timeline (-1 unknown)
   */
  public record Decision(Kind kind, long atMs, long speechOnsetMs) {}

  /** What {@link BargeIn} controls: an utterance being played. */
  interface Playback {
    void pause();

    void resume();

    void cancel();

    CompletionStage<?> completion();
  }

  private final TranscriptionSession session;
  private final BargeInPolicy policy;
  private final Consumer<Decision> decisions;
  private final Object lock = new Object();
  private final BargeInMachine machine; // guarded by lock
  private final Map<String, String> identities = new ConcurrentHashMap<>(); // streamId -> identity
  private final ScheduledThreadPoolExecutor timer;
  private @Nullable Playback current; // guarded by lock
  private @Nullable ScheduledFuture<?> pendingTick; // guarded by lock
  private volatile Flow.@Nullable Subscription subscription;
  private volatile boolean closed;
  private volatile boolean eventsEnded;

  private BargeIn(
      TranscriptionSession session, BargeInPolicy policy, Consumer<Decision> decisions) {
    this.session = session;
    this.policy = policy;
    this.decisions = decisions;
    this.machine = new BargeInMachine(policy);
    String name = NamedThreadFactory.PREFIX + "bargein-" + session.id();
    this.timer = new ScheduledThreadPoolExecutor(1, r -> NamedThreadFactory.thread(name, r));
    timer.setRemoveOnCancelPolicy(true);
  }

  /**
   * Starts listening to {@code session}'s events (which starts the session if nothing else has).
   *
   * @param decisions told of every pause, resume and stop (on a library thread; must not block)
   */
  public static BargeIn start(
      TranscriptionSession session, BargeInPolicy policy, Consumer<Decision> decisions) {
    Objects.requireNonNull(session, "session == null");
    Objects.requireNonNull(policy, "policy == null");
    Objects.requireNonNull(decisions, "decisions == null");
    BargeIn b = new BargeIn(session, policy, decisions);
    session.events().subscribe(b.new Events());
    return b;
  }

  /** As {@link #start(TranscriptionSession, BargeInPolicy, Consumer)}, without a listener. */
  public static BargeIn start(TranscriptionSession session, BargeInPolicy policy) {
    return start(session, policy, d -> {});
  }

  /** The policy applied. */
  public BargeInPolicy policy() {
    return policy;
  }

  /**
   * Applies the policy to {@code utterance} from now until it ends: pauses it when a participant
   * starts speaking, resumes it after a short sound or a false interruption, cancels it when
   * interrupted. Call it right after {@link LiveKitRoomSource#speak}; it replaces the utterance
   * watched before. An utterance still queued behind others is watched from now on (its pause waits
   * for its turn, then holds it).
   */
  public void watch(Utterance utterance) {
    Objects.requireNonNull(utterance, "utterance == null");
    watch(
        new Playback() {
          @Override
          public void pause() {
            utterance.pause();
          }

          @Override
          public void resume() {
            utterance.resume();
          }

          @Override
          public void cancel() {
            utterance.cancel();
          }

          @Override
          public CompletionStage<?> completion() {
            return utterance.completion();
          }
        });
  }

  /** {@link #watch(Utterance)} for anything that plays. */
  void watch(Playback playback) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      current = playback;
      apply(machine.botStarted(session.nowMs()));
    }
    playback
        .completion()
        .whenComplete(
            (r, e) -> {
              synchronized (lock) {
                if (current == playback) {
                  current = null;
                  machine.botStopped(session.nowMs());
                  reschedule();
                }
              }
            });
  }

  /** Utterances stopped by an interruption so far. */
  public int interruptions() {
    synchronized (lock) {
      return machine.interruptions();
    }
  }

  /** Interruptions without words that resumed the utterance so far. */
  public int falseInterruptions() {
    synchronized (lock) {
      return machine.falseInterruptions();
    }
  }

  /** Sounds shorter than the minimum that paused the bot (and resumed it) so far. */
  public int shortSounds() {
    synchronized (lock) {
      return machine.noises();
    }
  }

  /**
   * Whether no decision can come any more: the session's events have ended and no timer is pending.
   * For tests, which wait for it instead of sleeping past the policy's timeouts.
   */
  boolean settled() {
    synchronized (lock) {
      ScheduledFuture<?> tick = pendingTick;
      return eventsEnded && (tick == null || tick.isDone());
    }
  }

  /** Stops listening and the timer thread. Idempotent; the watched utterance plays on. */
  @Override
  public void close() {
    Flow.Subscription s;
    synchronized (lock) {
      closed = true;
      current = null;
      s = subscription;
    }
    if (s != null) {
      s.cancel();
    }
    timer.shutdownNow();
    try {
      timer.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public String toString() {
    return "BargeIn{" + session.id() + ", " + policy + "}";
  }

  // ------------------------------------------------------------------ under the lock

  private void apply(BargeInMachine.Action action) {
    Playback p = current;
    long now = session.nowMs();
    Kind kind = null;
    if (p != null) {
      switch (action) {
        case PAUSE -> {
          p.pause();
          kind = Kind.PAUSED;
        }
        case RESUME -> {
          p.resume();
          kind = Kind.RESUMED;
        }
        case STOP -> {
          p.cancel();
          kind = Kind.STOPPED;
        }
        case NONE -> {}
      }
    }
    reschedule();
    if (kind != null) {
      Decision d = new Decision(kind, now, machine.lastOnsetMs());
      log.info("{} - barge-in: {}", session.id(), d);
      try {
        decisions.accept(d);
      } catch (RuntimeException e) {
        log.debug("barge-in listener threw", e);
      }
    }
  }

  private void reschedule() {
    ScheduledFuture<?> old = pendingTick;
    if (old != null) {
      old.cancel(false);
      pendingTick = null;
    }
    long deadline = machine.nextDeadline();
    if (closed || deadline == BargeInMachine.NO_DEADLINE) {
      return;
    }
    long delay = Math.max(0, deadline - session.nowMs());
    try {
      pendingTick = timer.schedule(this::tick, delay, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closed meanwhile
    }
  }

  private void tick() {
    synchronized (lock) {
      if (!closed) {
        apply(machine.tick(session.nowMs()));
      }
    }
  }

  private final class Events implements Flow.Subscriber<PipelineEvent> {
    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (closed) {
        s.cancel();
        return;
      }
      s.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(PipelineEvent e) {
      synchronized (lock) {
        if (closed) {
          return;
        }
        long now = session.nowMs();
        if (e instanceof PipelineEvent.SpeakerJoined j) {
          identities.put(j.streamId(), j.identity());
        } else if (e instanceof PipelineEvent.SpeechStarted s) {
          apply(machine.speechStarted(s.streamId(), identityOf(s.streamId()), s.atMs(), now));
        } else if (e instanceof PipelineEvent.SpeechEnded s) {
          apply(machine.speechEnded(s.streamId(), s.atMs(), now));
        } else if (e instanceof PipelineEvent.SpeakerLeft l) {
          // a speaker who leaves mid-speech has stopped speaking
          apply(machine.speechEnded(l.streamId(), l.atMs(), now));
        } else if (e instanceof PipelineEvent.TranscriptReceived r) {
          Transcript t = r.transcript();
          if (!t.text().isBlank() && identities.containsValue(t.participantIdentity())) {
            apply(machine.words(t.participantIdentity(), t.endMs(), now));
          }
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      // the session failed: nothing more will be said or heard
      eventsEnded = true;
    }

    @Override
    public void onComplete() {
      eventsEnded = true;
    }
  }

  private String identityOf(String streamId) {
    return identities.getOrDefault(streamId, streamId);
  }
}
