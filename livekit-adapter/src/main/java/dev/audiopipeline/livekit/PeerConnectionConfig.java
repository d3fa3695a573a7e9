package dev.audiopipeline.livekit;

import dev.onvoid.webrtc.RTCBundlePolicy;
import dev.onvoid.webrtc.RTCConfiguration;
import dev.onvoid.webrtc.RTCIceServer;
import dev.onvoid.webrtc.RTCIceTransportPolicy;
import dev.onvoid.webrtc.RTCRtcpMuxPolicy;
import java.util.ArrayList;
import java.util.List;
import livekit.LivekitRtc;

/**
 * The configuration of both of the bot's peer connections (publisher and subscriber): the ICE
 * servers the server names in its {@code JoinResponse} (and again in a resume's {@code
 * ReconnectResponse}, which replaces them), one bundled transport with RTCP multiplexed, and
 * relay-only ICE when the server asks for it ({@code ClientConfiguration.force_relay}).
 */
final class PeerConnectionConfig {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(PeerConnectionConfig.class);

  private PeerConnectionConfig() {}

  static RTCConfiguration of(List<LivekitRtc.ICEServer> iceServers, boolean forceRelay) {
    RTCConfiguration config = new RTCConfiguration();
    config.iceServers = new ArrayList<>();
    for (LivekitRtc.ICEServer s : iceServers) {
      RTCIceServer server = new RTCIceServer();
      server.urls = new ArrayList<>(s.getUrlsList());
      if (!s.getUsername().isEmpty()) {
        server.username = s.getUsername();
        server.password = s.getCredential();
      }
      config.iceServers.add(server);
    }
    config.bundlePolicy = RTCBundlePolicy.MAX_BUNDLE;
    config.rtcpMuxPolicy = RTCRtcpMuxPolicy.REQUIRE;
    if (forceRelay) {
      config.iceTransportPolicy = RTCIceTransportPolicy.RELAY;
    }
    return config;
  }

  /** The ICE server URLs {@code pc} uses now (tests and logs). */
  static List<String> iceServerUrls(dev.onvoid.webrtc.RTCPeerConnection pc) {
    List<String> out = new ArrayList<>();
    RTCConfiguration c = pc.getConfiguration();
    if (c != null && c.iceServers != null) {
      for (RTCIceServer s : c.iceServers) {
        out.addAll(s.urls);
      }
    }
    return out;
  }

  /**
   * Replaces the ICE servers of {@code pc} (a resume's {@code ReconnectResponse} names them anew),
   * keeping the rest of the configuration; the next ICE gathering uses them. A failure is logged:
   * the connection keeps its old servers.
   */
  static void updateIceServers(
      dev.onvoid.webrtc.RTCPeerConnection pc,
      List<LivekitRtc.ICEServer> iceServers,
      boolean forceRelay,
      String logPrefix) {
    try {
      pc.setConfiguration(of(iceServers, forceRelay));
    } catch (RuntimeException | Error e) {
      LOG.warn("{} - cannot apply the server's ICE servers: {}", logPrefix, e.toString());
    }
  }

  /**
   * The data channels among {@code channels} with an SCTP stream id (label and id, on {@code
   * target}), for a resume's {@code SyncState}; a channel without an id yet is left out.
   */
  static List<LivekitRtc.DataChannelInfo> dataChannelInfos(
      Iterable<dev.onvoid.webrtc.RTCDataChannel> channels,
      LivekitRtc.SignalTarget target,
      String logPrefix) {
    List<LivekitRtc.DataChannelInfo> out = new ArrayList<>(2);
    for (dev.onvoid.webrtc.RTCDataChannel c : channels) {
      try {
        int id = c.getId();
        if (id >= 0) {
          out.add(
              LivekitRtc.DataChannelInfo.newBuilder()
                  .setLabel(c.getLabel())
                  .setId(id)
                  .setTarget(target)
                  .build());
        }
      } catch (RuntimeException | Error e) {
        LOG.debug("{} - data channel info unavailable: {}", logPrefix, e.toString());
      }
    }
    return out;
  }
}
