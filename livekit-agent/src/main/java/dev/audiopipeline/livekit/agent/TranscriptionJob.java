package dev.audiopipeline.livekit.agent;

import dev.audiopipeline.SpeakerMap;
import dev.audiopipeline.SttProvider;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.livekit.LiveKitRoomSource;
import dev.audiopipeline.livekit.LiveKitTranscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The default job: transcribes the room with the given recogniser (every participant labelled by
 * its identity, or through a {@link SpeakerMap}) until the room closes or the server ends the job,
 * then hands the room's finals to a {@link RoomTranscriptSink} (e.g. to write {@code
 * transcript.jsonl}/{@code .srt}/{@code .vtt} per room). The recogniser is shared by every job of
 * the worker and stays the caller's to close.
 */
public final class TranscriptionJob implements AgentJob {
  /** Receives a room's transcript when its job ends (on the job's thread). */
  @FunctionalInterface
  public interface RoomTranscriptSink {
    /**
     * @param job the job that ended
     * @param finals the room's final transcripts in arrival order
     * @throws Exception reported to the server as the job's error
     */
    void roomEnded(JobContext job, List<Transcript> finals) throws Exception;
  }

  private final SttProvider stt;
  private final SpeakerMap speakers;
  private final RoomTranscriptSink sink;
  private final Consumer<Transcript> live;

  private TranscriptionJob(
      SttProvider stt, SpeakerMap speakers, RoomTranscriptSink sink, Consumer<Transcript> live) {
    this.stt = stt;
    this.speakers = speakers;
    this.sink = sink;
    this.live = live;
  }

  /** Transcribes each room with {@code stt}, labelling speakers by identity. */
  public static TranscriptionJob of(SttProvider stt, RoomTranscriptSink sink) {
    return of(stt, SpeakerMap.identity(), sink, t -> {});
  }

  /**
   * As {@link #of(SttProvider, RoomTranscriptSink)} with speaker labels and a live callback for
   * every transcript (interim and final) as it arrives (on the pipeline's delivery thread: do not
   * block).
   */
  public static TranscriptionJob of(
      SttProvider stt, SpeakerMap speakers, RoomTranscriptSink sink, Consumer<Transcript> live) {
    return new TranscriptionJob(
        Objects.requireNonNull(stt, "stt == null"),
        Objects.requireNonNull(speakers, "speakers == null"),
        Objects.requireNonNull(sink, "sink == null"),
        Objects.requireNonNull(live, "live == null"));
  }

  @Override
  public void run(JobContext job) throws Exception {
    LiveKitRoomSource room = job.roomSource().build();
    List<Transcript> finals = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Void> ended = new CompletableFuture<>();
    TranscriptionSession session = LiveKitTranscriber.transcribe(room, stt, speakers);
    job.reportSpeakers(() -> session.activeSpeakers().size());
    Throwable failure = null;
    try {
      session.subscribe(
          new Flow.Subscriber<Transcript>() {
            @Override
            public void onSubscribe(Flow.Subscription s) {
              s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Transcript t) {
              if (t.isFinal()) {
                finals.add(t);
              }
              live.accept(t);
            }

            @Override
            public void onError(Throwable t) {
              ended.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
              ended.complete(null);
            }
          });
      job.terminationRequested().thenRun(() -> ended.complete(null));
      failure = awaitEnd(job, room, ended);
    } finally {
      if (failure == null) {
        // before leaving, and confirmed: the server fails a job whose bot leaves first
        job.reportSuccess();
      }
      session.close(); // leaves the room; finals of audio already accepted arrive first
    }
    List<Transcript> copy;
    synchronized (finals) {
      copy = List.copyOf(finals);
    }
    sink.roomEnded(job, copy);
    if (failure instanceof Exception ex) {
      throw ex;
    } else if (failure != null) {
      throw new IllegalStateException(String.valueOf(failure), failure);
    }
  }

  /**
   * Waits for the room to end (or the job to be terminated). When the last other participant (not
   * counting other agents) has left, the success is reported at once (and confirmed by the server)
   * while the bot stays: the server closes an empty room after its departure timeout, and a job
   * whose bot is still in the room then is recorded as failed ("agent worker left the room").
   * Someone who comes back in time is still transcribed; the server's record then already says
   * success.
   */
  private static @Nullable Throwable awaitEnd(
      JobContext job, LiveKitRoomSource room, CompletableFuture<Void> ended)
      throws InterruptedException {
    boolean hadPeers = false;
    while (true) {
      try {
        ended.get(PEER_POLL.toMillis(), TimeUnit.MILLISECONDS);
        return null;
      } catch (ExecutionException e) {
        return e.getCause();
      } catch (TimeoutException e) {
        if (room.remoteIdentities().stream().anyMatch(id -> !isAgent(id))) {
          hadPeers = true;
        } else if (hadPeers && !job.successReported()) {
          job.reportSuccess();
        }
      }
    }
  }

  /**
   * Whether {@code identity} is another agent's: {@code agent-AJ_…} is the identity LiveKit agent
   * workers join with (ours and LiveKit's Python and Node frameworks). Agents do not keep a room
   * open (the server closes it when only agents are left), so they do not count as the room's
   * participants.
   */
  static boolean isAgent(String identity) {
    return identity.startsWith("agent-AJ_");
  }

  /** How often the job looks whether the room has emptied. */
  private static final Duration PEER_POLL = Duration.ofMillis(100);

  @Override
  public String toString() {
    return "TranscriptionJob{stt=" + stt.name() + "}";
  }
}
