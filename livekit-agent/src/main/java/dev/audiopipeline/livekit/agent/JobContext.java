package dev.audiopipeline.livekit.agent;

import dev.audiopipeline.livekit.LiveKitRoomSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
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
  private final String targetIdentity;
  private final String url;
  private final String token;
  private final CompletableFuture<Void> termination = new CompletableFuture<>();
  private volatile IntSupplier speakers = () -> 0;
  private final java.util.concurrent.atomic.AtomicBoolean successReported =
      new java.util.concurrent.atomic.AtomicBoolean();
  private final Function<JobContext, CompletableFuture<Boolean>> successReporter;
  private volatile boolean successConfirmed;

  JobContext(
      String jobId,
      String dispatchId,
      String room,
      String metadata,
      String participantIdentity,
      String targetIdentity,
      String url,
      String token,
      Function<JobContext, CompletableFuture<Boolean>> successReporter) {
    this.successReporter = successReporter;
    this.jobId = jobId;
    this.dispatchId = dispatchId;
    this.room = room;
    this.metadata = metadata;
    this.participantIdentity = participantIdentity;
    this.targetIdentity = targetIdentity;
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

  /**
   * The participant a {@link AgentWorker.JobKind#PUBLISHER PUBLISHER} or {@link
   * AgentWorker.JobKind#PARTICIPANT PARTICIPANT} job is for (the server's {@code Job.participant});
   * empty for a {@link AgentWorker.JobKind#ROOM ROOM} job.
   */
  public String targetIdentity() {
    return targetIdentity;
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
   * Reports the job's success to the server now and waits (at most 5 s) until the server has
   * applied it. Call it just before the job leaves the room: the server marks a job whose agent
   * participant leaves while the job is still running as failed ("agent worker left the room"), and
   * the leave travels on the room's own connection, so a success merely sent first can still arrive
   * second. {@link TranscriptionJob} calls it when the room's last other participant has left (the
   * server closes the room, and with it the bot, after its departure timeout) and before it leaves
   * on termination. Otherwise the worker reports the outcome itself when {@link AgentJob#run}
   * returns. Idempotent: later calls return at once with the first call's answer.
   *
   * @return {@code true} if the server confirmed it; {@code false} if it could not be confirmed (no
   *     {@code /agent} connection at the moment, or no confirmation within 5 s)
   */
  public boolean reportSuccess() {
    if (successReported.compareAndSet(false, true)) {
      try {
        successConfirmed =
            successReporter
                .apply(this)
                .get(AgentWorker.SUCCESS_CONFIRM_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        successConfirmed = false;
      }
    }
    return successConfirmed;
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
    return "JobContext{job="
        + jobId
        + ", room="
        + room
        + ", identity="
        + participantIdentity
        + (targetIdentity.isEmpty() ? "" : ", for=" + targetIdentity)
        + "}";
  }
}
