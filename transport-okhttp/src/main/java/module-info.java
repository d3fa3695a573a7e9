/** The OkHttp WebSocket transport behind the cloud providers. */
@SuppressWarnings({
  "requires-automatic",
  "requires-transitive-automatic"
}) // OkHttp, FreeTTS and LiveKit name their modules only in the manifest or the jar name
module dev.audiopipeline.okhttp {
  requires static org.jspecify;
  requires transitive dev.audiopipeline.core;
  requires transitive okhttp3;
  requires okio;
  // OkHttp and Okio are automatic modules and cannot require the Kotlin runtime they need: without
  // this line kotlin.stdlib is not resolved on the module path (ModulePathConsumerTest)
  requires kotlin.stdlib;
  requires org.slf4j;

  exports dev.audiopipeline.okhttp;
}
