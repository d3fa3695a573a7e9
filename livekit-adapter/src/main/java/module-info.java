/** LiveKit rooms as an audio source: signaling, WebRTC subscription, per-participant audio. */
@SuppressWarnings({
  "requires-automatic",
  "requires-transitive-automatic"
}) // OkHttp, FreeTTS and LiveKit name their modules only in the manifest or the jar name
module dev.audiopipeline.livekit {
  requires static org.jspecify;
  requires transitive dev.audiopipeline.core;
  requires dev.audiopipeline.okhttp;
  requires okhttp3;
  requires webrtc.java;
  requires livekit.server; // LiveKit's protocol messages; automatic name from its jar
  requires com.google.protobuf;
  // the LiveKit SDK is an automatic module and cannot require the JWT library it mints tokens
  // with: without this line com.auth0.jwt is not resolved on the module path
  requires com.auth0.jwt;
  requires okio;
  // OkHttp and Okio are automatic modules and cannot require the Kotlin runtime they need: without
  // this line kotlin.stdlib is not resolved on the module path (ModulePathConsumerTest)
  requires kotlin.stdlib;
  requires org.slf4j;

  exports dev.audiopipeline.livekit;
}
