package dev.audiopipeline.livekit.agent;

/**
 * What a worker does with one room the server assigned to it. Runs on its own thread ({@code
 * audio-pipeline-livekit-agent-job-<room>}); returning reports the job {@code JS_SUCCESS} to the
 * server, throwing reports {@code JS_FAILED} with the exception's message. A job should end soon
 * after {@link JobContext#terminationRequested()} completes (the server ended the job, or the
 * worker is closing).
 */
@FunctionalInterface
public interface AgentJob {
  /**
   * Runs the job for one room.
   *
   * @param job the assignment: room name, the token and URL to join with, termination
   * @throws Exception reported to the server as the job's error
   */
  void run(JobContext job) throws Exception;
}
