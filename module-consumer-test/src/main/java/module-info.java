/**
 * A consumer of the published modules, as a user's modular application would be: it requires the
 * API modules only and reaches nothing but what they export. Run by {@code ModulePathConsumerTest}
 * on the module path and on the class path.
 */
module dev.audiopipeline.consumertest {
  requires dev.audiopipeline.core;
  requires dev.audiopipeline.stt.deepgram;
  requires dev.audiopipeline.stt.elevenlabs;
  requires dev.audiopipeline.tts.elevenlabs;
  requires dev.audiopipeline.tts.freetts;
  requires dev.audiopipeline.livekit;
  requires dev.audiopipeline.livekit.agent;
}
