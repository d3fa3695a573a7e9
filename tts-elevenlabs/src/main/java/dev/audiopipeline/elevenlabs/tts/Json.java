package dev.audiopipeline.elevenlabs.tts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Request JSON shared by the HTTP and WebSocket paths. */
final class Json {
  private Json() {}

  static ObjectNode voiceSettings(ObjectMapper json, VoiceSettings s) {
    ObjectNode n = json.createObjectNode();
    if (s.stability() != null) {
      n.put("stability", s.stability());
    }
    if (s.similarityBoost() != null) {
      n.put("similarity_boost", s.similarityBoost());
    }
    if (s.style() != null) {
      n.put("style", s.style());
    }
    if (s.useSpeakerBoost() != null) {
      n.put("use_speaker_boost", s.useSpeakerBoost());
    }
    if (s.speed() != null) {
      n.put("speed", s.speed());
    }
    return n;
  }
}
