/** LiveKit rooms as an audio source: signaling, WebRTC subscription, per-participant audio. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"}) // OkHttp, FreeTTS and LiveKit name their modules only in the manifest or the jar name
module dev.audiopipeline.livekit {
  requires static org.jspecify;
  requires transitive dev.audiopipeline.core;
  requires dev.audiopipeline.okhttp;
  requires okhttp3;
  requires webrtc.java;
  requires livekit.server; // LiveKit's protocol messages; automatic name from its jar
  requires com.google.protobuf;
  requires okio;
  requires org.slf4j;

  exports dev.audiopipeline.livekit;
}
