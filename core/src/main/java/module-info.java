/**
 * Audio Pipeline's core: the API ({@code dev.audiopipeline}), audio formats, sources and the
 * converter ({@code .audio}), WAV, microphone and transcript files ({@code .io}) and the provider
 * SPI ({@code .spi}). Implementation packages are exported only to this project's own modules.
 */
@SuppressWarnings("module") // qualified exports name modules built after this one
module dev.audiopipeline.core {
  requires static transitive org.jspecify;
  requires org.slf4j;
  requires java.desktop; // javax.sound.sampled, for MicrophoneSource only

  exports dev.audiopipeline;
  exports dev.audiopipeline.audio;
  exports dev.audiopipeline.io;
  exports dev.audiopipeline.spi;
  exports dev.audiopipeline.internal.runtime to
      dev.audiopipeline.okhttp,
      dev.audiopipeline.stt.sphinx,
      dev.audiopipeline.tts.elevenlabs,
      dev.audiopipeline.tts.freetts,
      dev.audiopipeline.livekit;
}
