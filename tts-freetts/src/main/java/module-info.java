/** The embedded FreeTTS voice: offline text-to-speech without a key. */
@SuppressWarnings({
  "requires-automatic",
  "requires-transitive-automatic"
}) // OkHttp, FreeTTS and LiveKit name their modules only in the manifest or the jar name
module dev.audiopipeline.tts.freetts {
  requires static org.jspecify;
  requires transitive dev.audiopipeline.core;
  requires java.desktop; // FreeTTS hands audio over through javax.sound.sampled
  requires freetts; // no module name of its own: the automatic name from freetts-1.2.2.jar
  requires org.slf4j;

  exports dev.audiopipeline.freetts;
}
