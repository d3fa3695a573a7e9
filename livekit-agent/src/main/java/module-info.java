/**
 * A LiveKit agent worker: registers with livekit-server's {@code /agent} endpoint and runs a job
 * for every room the server dispatches to it (by default: transcribe the room).
 */
@SuppressWarnings({
  "requires-automatic",
  "requires-transitive-automatic"
}) // OkHttp and LiveKit name their modules only in the manifest or the jar name
module dev.audiopipeline.livekit.agent {
  requires static org.jspecify;
  requires transitive dev.audiopipeline.core;
  requires transitive dev.audiopipeline.livekit;
  requires dev.audiopipeline.okhttp;
  requires okhttp3;
  requires livekit.server; // LiveKit's protocol messages; automatic name from its jar
  requires com.google.protobuf;
  requires com.auth0.jwt; // AccessToken's JWT library (see livekit-adapter's module-info)
  requires kotlin.stdlib; // AccessToken is Kotlin
  requires jdk.management; // process CPU load for the worker's reported load
  requires org.slf4j;

  exports dev.audiopipeline.livekit.agent;
}
