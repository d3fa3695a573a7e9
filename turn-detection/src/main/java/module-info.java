/** Offline turn detection (Silero VAD, Smart Turn) with ONNX Runtime; models in the jar. */
@SuppressWarnings({"requires-automatic", "requires-transitive-automatic"})
module dev.audiopipeline.turn {
  requires static org.jspecify;
  requires transitive dev.audiopipeline.core;
  requires com.microsoft.onnxruntime; // automatic module (named in its manifest)
  requires org.slf4j;

  exports dev.audiopipeline.turn;

  opens dev.audiopipeline.turn.models; // the .onnx files, read with getResourceAsStream
}
