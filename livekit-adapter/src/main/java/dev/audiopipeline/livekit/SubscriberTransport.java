package dev.audiopipeline.livekit;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCAnswerOptions;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpReceiver;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import dev.onvoid.webrtc.media.MediaStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import livekit.LivekitRtc;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The subscriber peer connection: the server offers, we answer. All methods run on the room's event
 * executor; every webrtc-java observer callback (which arrive on the factory's signaling thread) is
 * handed back to that executor and does nothing else, so no PC call is ever made from inside a
 * callback (cross-PC calls from callbacks deadlock the signaling threads).
 *
 * <p>Remote ICE candidates are buffered until the remote description is set; offers that arrive
 * while a negotiation is in flight are queued, keeping only the newest.
 */
final class SubscriberTransport implements PeerConnectionObserver {
  private static final Logger log = LoggerFactory.getLogger(SubscriberTransport.class);

  /** Outcomes, delivered on the event executor. */
  interface Callbacks {
    void onLocalCandidate(RTCIceCandidate candidate);

    void onAnswer(RTCSessionDescription answer, int offerId);

    void onTrack(RTCRtpReceiver receiver, @Nullable String mid);

    void onTrackRemoved(RTCRtpReceiver receiver);

    void onConnectionState(RTCPeerConnectionState state);

    void onNegotiationFailed(String what);

    /** A message on one of the data channels the server opened on this connection. */
    default void onData(byte[] message) {}
  }

  private final String logPrefix;
  private final Executor events;
  private final Callbacks callbacks;
  private final RTCPeerConnection pc;
  private final boolean forceRelay;
  private final List<RTCIceCandidate> pendingCandidates = new ArrayList<>();
  private boolean remoteDescriptionSet;
  private boolean negotiating;
  private LivekitRtc.@Nullable SessionDescription queuedOffer;
  private boolean closed;

  /** The server's data channels on this connection (signaling thread adds, close reads). */
  private final List<RTCDataChannel> dataChannels =
      java.util.Collections.synchronizedList(new ArrayList<>());

  SubscriberTransport(
      String logPrefix,
      PeerConnectionFactory factory,
      List<LivekitRtc.ICEServer> iceServers,
      boolean forceRelay,
      Executor events,
      Callbacks callbacks) {
    this.logPrefix = logPrefix;
    this.events = events;
    this.callbacks = callbacks;
    this.forceRelay = forceRelay;
    this.pc = factory.createPeerConnection(PeerConnectionConfig.of(iceServers, forceRelay), this);
    WebRtcFactories.opened();
  }

  /** Applies a server offer and answers it (now, or after the negotiation in flight). */
  void handleOffer(LivekitRtc.SessionDescription offer) {
    if (closed) {
      return;
    }
    if (negotiating) {
      queuedOffer = offer;
      return;
    }
    negotiating = true;
    int offerId = offer.getId();
    pc.setRemoteDescription(
        new RTCSessionDescription(RTCSdpType.OFFER, offer.getSdp()),
        new SetSessionDescriptionObserver() {
          @Override
          public void onSuccess() {
            post(() -> remoteSet(offerId));
          }

          @Override
          public void onFailure(String error) {
            post(() -> failed("setRemoteDescription(offer " + offerId + "): " + error));
          }
        });
  }

  private void remoteSet(int offerId) {
    if (closed) {
      return;
    }
    remoteDescriptionSet = true;
    for (RTCIceCandidate c : pendingCandidates) {
      pc.addIceCandidate(c);
    }
    pendingCandidates.clear();
    pc.createAnswer(
        new RTCAnswerOptions(),
        new CreateSessionDescriptionObserver() {
          @Override
          public void onSuccess(RTCSessionDescription answer) {
            post(() -> answerCreated(answer, offerId));
          }

          @Override
          public void onFailure(String error) {
            post(() -> failed("createAnswer(offer " + offerId + "): " + error));
          }
        });
  }

  private void answerCreated(RTCSessionDescription answer, int offerId) {
    if (closed) {
      return;
    }
    pc.setLocalDescription(
        answer,
        new SetSessionDescriptionObserver() {
          @Override
          public void onSuccess() {
            post(() -> answered(answer, offerId));
          }

          @Override
          public void onFailure(String error) {
            post(() -> failed("setLocalDescription(answer " + offerId + "): " + error));
          }
        });
  }

  private void answered(RTCSessionDescription answer, int offerId) {
    if (closed) {
      return;
    }
    callbacks.onAnswer(answer, offerId);
    negotiating = false;
    LivekitRtc.SessionDescription next = queuedOffer;
    queuedOffer = null;
    if (next != null) {
      handleOffer(next);
    }
  }

  private void failed(String what) {
    negotiating = false;
    if (!closed) {
      callbacks.onNegotiationFailed(what);
    }
  }

  /** Adds a server candidate, or buffers it until the remote description is set. */
  void addRemoteCandidate(RTCIceCandidate candidate) {
    if (closed) {
      return;
    }
    if (remoteDescriptionSet) {
      pc.addIceCandidate(candidate);
    } else {
      pendingCandidates.add(candidate);
    }
  }

  /** The last local answer, for a later resume's SyncState. */
  @Nullable RTCSessionDescription localDescription() {
    return closed ? null : pc.getLocalDescription();
  }

  /**
   * Inbound audio statistics (one map per inbound-rtp audio stream, keyed by track identifier),
   * delivered on the event executor.
   */
  void inboundAudioStats(
      java.util.function.Consumer<java.util.Map<String, java.util.Map<String, Object>>> out) {
    if (closed) {
      out.accept(java.util.Map.of());
      return;
    }
    pc.getStats(
        report ->
            post(
                () -> {
                  java.util.Map<String, java.util.Map<String, Object>> m =
                      new java.util.TreeMap<>();
                  for (dev.onvoid.webrtc.RTCStats s : report.getStats().values()) {
                    java.util.Map<String, Object> a = s.getAttributes();
                    if (s.getType() == dev.onvoid.webrtc.RTCStatsType.INBOUND_RTP
                        && "audio".equals(a.get("kind"))) {
                      Object id = a.getOrDefault("trackIdentifier", s.getId());
                      m.put(String.valueOf(id), new java.util.TreeMap<>(a));
                    }
                  }
                  out.accept(m);
                }));
  }

  /**
   * The server's data channels on this connection (label and SCTP stream id) for a resume's {@code
   * SyncState}, so the server keeps them mapped. A channel without an id yet is left out.
   */
  List<LivekitRtc.DataChannelInfo> dataChannelInfos() {
    if (closed) {
      return new ArrayList<>(0);
    }
    synchronized (dataChannels) {
      return PeerConnectionConfig.dataChannelInfos(
          dataChannels, LivekitRtc.SignalTarget.SUBSCRIBER, logPrefix);
    }
  }

  /**
   * Replaces the ICE servers (a resume's {@code ReconnectResponse} names them anew, as after a
   * join), keeping the rest of the configuration; the next ICE gathering (the resume's ICE restart)
   * uses them. Event thread.
   */
  void updateIceServers(List<LivekitRtc.ICEServer> iceServers) {
    if (closed) {
      return;
    }
    PeerConnectionConfig.updateIceServers(pc, iceServers, forceRelay, logPrefix);
  }

  /** The ICE server URLs this connection uses now. */
  List<String> iceServerUrls() {
    return closed ? List.of() : PeerConnectionConfig.iceServerUrls(pc);
  }

  void close() {
    if (closed) {
      return;
    }
    closed = true;
    synchronized (dataChannels) {
      for (RTCDataChannel c : dataChannels) {
        try {
          c.unregisterObserver();
        } catch (RuntimeException | Error e) {
          log.trace("{} - data channel observer: {}", logPrefix, e.toString());
        }
      }
      dataChannels.clear();
    }
    // webrtc-java 0.14.0 never frees the native PC on close() (about 100 KB; upstream #239), and
    // disposing its tracks afterwards throws: so close and drop the references.
    pc.close();
    WebRtcFactories.closed(); // the last one closed lets the JVM exit once the program has ended
  }

  // --- PeerConnectionObserver: signaling thread; hand off and return ---

  @Override
  public void onIceCandidate(RTCIceCandidate candidate) {
    post(
        () -> {
          if (!closed) {
            callbacks.onLocalCandidate(candidate);
          }
        });
  }

  @Override
  public void onTrack(RTCRtpTransceiver transceiver) {
    RTCRtpReceiver receiver = transceiver.getReceiver();
    String mid = transceiver.getMid();
    post(
        () -> {
          if (!closed) {
            callbacks.onTrack(receiver, mid);
          }
        });
  }

  @Override
  public void onAddTrack(RTCRtpReceiver receiver, MediaStream[] mediaStreams) {
    // onTrack covers it; the MediaStream wrappers are empty in 0.14.0.
  }

  /**
   * The server opens its data channels ({@code _reliable}, {@code _lossy}) on this connection: what
   * other participants send arrives here. Each message is copied and handed to the event executor.
   */
  @Override
  public void onDataChannel(RTCDataChannel channel) {
    dataChannels.add(channel);
    channel.registerObserver(
        new RTCDataChannelObserver() {
          @Override
          public void onBufferedAmountChange(long previousAmount) {}

          @Override
          public void onStateChange() {}

          @Override
          public void onMessage(RTCDataChannelBuffer buffer) {
            byte[] copy = new byte[buffer.data.remaining()];
            buffer.data.get(copy);
            post(
                () -> {
                  if (!closed) {
                    callbacks.onData(copy);
                  }
                });
          }
        });
  }

  @Override
  public void onRemoveTrack(RTCRtpReceiver receiver) {
    post(
        () -> {
          if (!closed) {
            callbacks.onTrackRemoved(receiver);
          }
        });
  }

  @Override
  public void onConnectionChange(RTCPeerConnectionState state) {
    post(
        () -> {
          // a closed connection (left behind by a rejoin) no longer speaks for the session: its
          // late FAILED would otherwise be taken for the new connection's
          if (!closed) {
            callbacks.onConnectionState(state);
          }
        });
  }

  private void post(Runnable r) {
    try {
      events.execute(r);
    } catch (RejectedExecutionException e) {
      log.trace("{} - room closed, dropping peer connection event", logPrefix);
    }
  }
}
