/** ElevenLabs text-to-speech, over HTTP streaming and the stream-input WebSocket. */
@SuppressWarnings({
  "requires-automatic",
  "requires-transitive-automatic"
}) // OkHttp, FreeTTS and LiveKit name their modules only in the manifest or the jar name
module dev.audiopipeline.tts.elevenlabs {
  requires static org.jspecify;
  requires transitive dev.audiopipeline.core;
  requires dev.audiopipeline.okhttp;
  requires transitive okhttp3;
  requires com.fasterxml.jackson.databind;
  requires okio;
  // OkHttp and Okio are automatic modules and cannot require the Kotlin runtime they need: without
  // this line kotlin.stdlib is not resolved on the module path (ModulePathConsumerTest)
  requires kotlin.stdlib;
  requires org.slf4j;

  exports dev.audiopipeline.elevenlabs.tts;
}
