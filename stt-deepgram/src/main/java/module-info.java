/** Deepgram live streaming speech-to-text. */
@SuppressWarnings({
  "requires-automatic",
  "requires-transitive-automatic"
}) // OkHttp and Okio name their modules only in the manifest
module dev.audiopipeline.stt.deepgram {
  requires static org.jspecify;
  requires transitive dev.audiopipeline.core;
  requires transitive dev.audiopipeline.okhttp;
  requires com.fasterxml.jackson.databind;
  requires okio;
  requires org.slf4j;

  exports dev.audiopipeline.deepgram;
}
