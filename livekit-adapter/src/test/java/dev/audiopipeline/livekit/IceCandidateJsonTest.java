package dev.audiopipeline.livekit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.onvoid.webrtc.RTCIceCandidate;
import java.util.Map;
import org.junit.jupiter.api.Test;

class IceCandidateJsonTest {
  @Test
  void writesTheBrowserCandidateInitShapeThatLiveKitParses() {
    RTCIceCandidate c =
        new RTCIceCandidate(
            "0", 0, "candidate:1 1 udp 2122260223 192.0.2.11 50000 typ host generation 0");
    assertThat(IceCandidateJson.toJson(c))
        .isEqualTo(
            "{\"candidate\":\"candidate:1 1 udp 2122260223 192.0.2.11 50000 typ host generation 0\","
                + "\"sdpMid\":\"0\",\"sdpMLineIndex\":0}");
  }

  @Test
  void readsServerCandidatesIncludingEscapesAndExtraFields() {
    String json =
        "{ \"candidate\": \"candidate:2 1 udp 2130706431 192.0.2.10 7882 typ host\\u0020x\","
            + " \"sdpMid\": \"1\", \"sdpMLineIndex\": 1, \"usernameFragment\": null, \"x\": true }";
    RTCIceCandidate c = IceCandidateJson.fromJson(json);
    assertThat(c.sdp).isEqualTo("candidate:2 1 udp 2130706431 192.0.2.10 7882 typ host x");
    assertThat(c.sdpMid).isEqualTo("1");
    assertThat(c.sdpMLineIndex).isEqualTo(1);
  }

  @Test
  void roundTrips() {
    RTCIceCandidate c =
        new RTCIceCandidate(
            "audio\"1", 3, "candidate:3 1 tcp 1 192.0.2.10 7881 typ host tcptype passive");
    RTCIceCandidate back = IceCandidateJson.fromJson(IceCandidateJson.toJson(c));
    assertThat(back.sdp).isEqualTo(c.sdp);
    assertThat(back.sdpMid).isEqualTo(c.sdpMid);
    assertThat(back.sdpMLineIndex).isEqualTo(3);
  }

  @Test
  void refusesMalformedInputWithTheReason() {
    assertThatThrownBy(() -> IceCandidateJson.fromJson("{\"sdpMid\":\"0\"}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("without a candidate");
    assertThatThrownBy(() -> IceCandidateJson.fromJson("{\"candidate\":\"x\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("malformed");
    assertThatThrownBy(() -> IceCandidateJson.fromJson("{\"candidate\":[1]}"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void flatObjectsKeepNumbersAndBooleans() {
    Map<String, Object> m =
        IceCandidateJson.parseFlatObject("{\"a\":12,\"b\":-1.5,\"c\":false,\"d\":\"\"}");
    assertThat(m)
        .containsEntry("a", 12L)
        .containsEntry("b", -1.5)
        .containsEntry("c", false)
        .containsEntry("d", "");
  }
}
