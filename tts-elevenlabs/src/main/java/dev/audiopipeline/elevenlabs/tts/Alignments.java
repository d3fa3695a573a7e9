package dev.audiopipeline.elevenlabs.tts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.audiopipeline.TtsChunk.CharTiming;
import java.util.ArrayList;
import java.util.List;

/** Reads ElevenLabs alignment objects in their two shapes and both key spellings. */
final class Alignments {
  private Alignments() {}

  /**
   * WebSocket alignment: {@code {chars, charStartTimesMs, charDurationsMs}} (2026 spec and the live
   * service) or {@code {chars, charsStartTimesMs, charsDurationsMs}} (2025 spec), times in
   * milliseconds relative to the chunk. Prefers {@code alignment} (the text as sent), falling back
   * to {@code normalizedAlignment}.
   *
   * @param offsetMs added to every start: the audio of the utterance before this chunk
   */
  static List<CharTiming> fromWebSocket(JsonNode message, long offsetMs) {
    JsonNode a = message.get("alignment");
    if (a == null || !a.isObject()) {
      a = message.get("normalizedAlignment");
    }
    if (a == null || !a.isObject()) {
      return List.of();
    }
    JsonNode chars = a.path("chars");
    JsonNode starts = first(a, "charStartTimesMs", "charsStartTimesMs");
    JsonNode durations = first(a, "charDurationsMs", "charsDurationsMs");
    if (!chars.isArray()) {
      return List.of();
    }
    List<CharTiming> out = new ArrayList<>(chars.size());
    for (int i = 0; i < chars.size(); i++) {
      long start = starts.isArray() && i < starts.size() ? starts.get(i).asLong() : 0;
      long duration = durations.isArray() && i < durations.size() ? durations.get(i).asLong() : 0;
      out.add(new CharTiming(chars.get(i).asText(), offsetMs + start, duration));
    }
    return out;
  }

  /**
   * HTTP {@code with-timestamps} alignment: {@code {characters, character_start_times_seconds,
   * character_end_times_seconds}}, times in seconds from the start of the request's audio. Prefers
   * {@code alignment}, falling back to {@code normalized_alignment}.
   */
  static List<CharTiming> fromHttp(JsonNode line) {
    JsonNode a = line.get("alignment");
    if (a == null || !a.isObject()) {
      a = line.get("normalized_alignment");
    }
    if (a == null || !a.isObject()) {
      return List.of();
    }
    JsonNode chars = a.path("characters");
    JsonNode starts = a.path("character_start_times_seconds");
    JsonNode ends = a.path("character_end_times_seconds");
    if (!chars.isArray()) {
      return List.of();
    }
    List<CharTiming> out = new ArrayList<>(chars.size());
    for (int i = 0; i < chars.size(); i++) {
      double start = starts.isArray() && i < starts.size() ? starts.get(i).asDouble() : 0;
      double end = ends.isArray() && i < ends.size() ? ends.get(i).asDouble() : start;
      long startMs = Math.round(start * 1000);
      long endMs = Math.round(end * 1000);
      out.add(new CharTiming(chars.get(i).asText(), startMs, Math.max(0, endMs - startMs)));
    }
    return out;
  }

  private static JsonNode first(JsonNode a, String name, String legacy) {
    JsonNode n = a.get(name);
    return n != null && n.isArray() ? n : a.path(legacy);
  }
}
