package dev.audiopipeline.livekit.agent;

import dev.audiopipeline.livekit.LiveKitRoomSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * One job the server assigned to the worker: the room, and the token the server minted for the
 * worker's participant in it (kind agent, valid 1 h). The token never appears in {@link
 * #toString()}.
 */
public final class JobContext {
  private final String jobId;
  private final String dispatchId;
  private final String room;
  private final String metadata;
  private final String participantIdentity;
  private final String url;
  private final String token;
  private final CompletableFuture<Void> termination = new CompletableFuture<>();
  private volatile IntSupplier speakers = () -> 0;
  private final java.util.concurrent.atomic.AtomicBoolean successReported =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final Consumer<JobContext> successReporter;

  JobContext(
      String jobId,
      String dispatchId,
      String room,
      String metadata,
      String participantIdentity,
      String url,
      String token,
      Consumer<JobContext> successReporter) {
    this.successReporter = successReporter;
    this.jobId = jobId;
    this.dispatchId = dispatchId;
    this.room = room;
    this.metadata = metadata;
    this.participantIdentity = participantIdentity;
    this.url = url;
    this.token = token;
  }

  /** The server's job id ({@code AJ_…}). */
  public String jobId() {
    return jobId;
  }

  /** The agent dispatch the job belongs to ({@code AD_…}), possibly empty. */
  public String dispatchId() {
    return dispatchId;
  }

  /** The room's name. */
  public String room() {
    return room;
  }

  /** The dispatch's metadata, empty when none was given. */
  public String metadata() {
    return metadata;
  }

  /** The identity the worker's participant joins the room with. */
  public String participantIdentity() {
    return participantIdentity;
  }

  /** The URL to join at: the assignment's, or the worker's own server URL. */
  public String url() {
    return url;
  }

  /**
   * A room source builder for this job: the URL and the assignment's token already set. Add your
   * own options (reconnect policy, timeouts) and {@code build()} it.
   */
  public LiveKitRoomSource.Builder roomSource() {
    return LiveKitRoomSource.builder()
        .url(url)
        .token(token)
        .room(room)
        .identity(participantIdentity);
  }

  /**
   * Completes when the job should end: the server sent {@code JobTermination}, or the worker is
   * closing (or its drain timed out).
   */
  public CompletionStage<Void> terminationRequested() {
    return termination;
  }

  /** Whether {@link #terminationRequested()} has completed. */
  public boolean isTerminationRequested() {
    return termination.isDone();
  }

  /**
   * Lets the job report how many speakers it is currently handling; the worker's reported load
   * counts them (see {@link AgentWorker.Builder#maxSpeakers}).
   */
  public void reportSpeakers(IntSupplier speakers) {
    this.speakers = Objects.requireNonNull(speakers, "speakers == null");
  }

  /**
   * Reports the job's success to the server now. Call it just before the job leaves the room while
   * the room goes on: the server marks a job whose agent participant leaves while it is still
   * running as failed ("agent worker left the room"). Otherwise the worker reports the outcome
   * itself when {@link AgentJob#run} returns. Idempotent.
   */
  public void reportSuccess() {
    if (successReported.compareAndSet(false, true)) {
      successReporter.accept(this);
    }
  }

  boolean successReported() {
    return successReported.get();
  }

  int speakers() {
    try {
      return Math.max(0, speakers.getAsInt());
    } catch (RuntimeException e) {
      return 0;
    }
  }

  void requestTermination() {
    termination.complete(null);
  }

  @Override
  public String toString() {
    return "JobContext{job=" + jobId + ", room=" + room + ", identity=" + participantIdentity + "}";
  }
}
