package dev.audiopipeline.livekit;

import dev.onvoid.webrtc.CreateSessionDescriptionObserver;
import dev.onvoid.webrtc.PeerConnectionFactory;
import dev.onvoid.webrtc.PeerConnectionObserver;
import dev.onvoid.webrtc.RTCDataChannel;
import dev.onvoid.webrtc.RTCDataChannelBuffer;
import dev.onvoid.webrtc.RTCDataChannelInit;
import dev.onvoid.webrtc.RTCDataChannelObserver;
import dev.onvoid.webrtc.RTCDataChannelState;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCOfferOptions;
import dev.onvoid.webrtc.RTCPeerConnection;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpEncodingParameters;
import dev.onvoid.webrtc.RTCRtpSender;
import dev.onvoid.webrtc.RTCRtpTransceiver;
import dev.onvoid.webrtc.RTCRtpTransceiverDirection;
import dev.onvoid.webrtc.RTCRtpTransceiverInit;
import dev.onvoid.webrtc.RTCSdpType;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.RTCStats;
import dev.onvoid.webrtc.RTCStatsType;
import dev.onvoid.webrtc.SetSessionDescriptionObserver;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import livekit.LivekitRtc;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The publisher peer connection: we offer, the server answers. It comes from the process-wide
 * dummy-ADM factory ({@link WebRtcFactories#sending()}): a send stream on a factory whose ADM
 * records (the subscriber's headless ADM) aborts the JVM in webrtc-java 0.14.0, whereas on the
 * dummy ADM only audio pushed into a {@code CustomAudioSource} is sent.
 *
 * <p>It carries LiveKit's two data channels, created with the connection: {@value #RELIABLE_LABEL}
 * (ordered, retransmitted) and {@value #LOSSY_LABEL} (unordered, no retransmits), and the bot's
 * audio track once one is published. It is negotiated only when needed: the first reliable packet
 * or published track, or at once when the server invites it ({@code fast_publish}).
 *
 * <p><b>Threads.</b> Like {@link SubscriberTransport}, every method but {@link #sendReliable} runs
 * on the room's event executor, and every webrtc-java callback is handed back to that executor, so
 * no peer-connection call is made from inside a callback.
 *
 * <p><b>Reliable data: bounded, never dropped once accepted.</b> {@link #sendReliable} may be
 * called from any thread; it queues the packet and returns at once. The queue is flushed into the
 * {@value #RELIABLE_LABEL} channel on the event thread, in order, while the channel is open and its
 * own buffer holds less than {@value #HIGH_WATER_BYTES} bytes (webrtc's buffered amount; the flush
 * resumes when it drains). Packets queued before the channel opens wait for it. What is queued plus
 * what the channel buffers is bounded by {@value #MAX_PENDING_BYTES} bytes: a packet that would
 * exceed it is refused ({@code sendReliable} returns {@code false}; the caller decides whether to
 * retry, coalesce or drop), so memory stays bounded when the connection stalls, and an accepted
 * packet is never silently discarded while the transport is open. Packets still queued when the
 * transport closes are discarded and counted ({@link #discardedAtClose()}).
 */
final class PublisherTransport implements PeerConnectionObserver {
  private static final Logger log = LoggerFactory.getLogger(PublisherTransport.class);

  static final String RELIABLE_LABEL = "_reliable";
  static final String LOSSY_LABEL = "_lossy";

  /** Reliable bytes queued here plus buffered in the channel, at most. */
  static final long MAX_PENDING_BYTES = 1 << 20;

  /** The flush pauses while the channel buffers more than this. */
  static final long HIGH_WATER_BYTES = 256 * 1024;

  /** Largest reliable packet accepted (SCTP messages above 64 KiB are not portable). */
  static final int MAX_PACKET_BYTES = 64 * 1024;

  /** Outcomes, delivered on the event executor. */
  interface Callbacks {
    void onPublisherCandidate(RTCIceCandidate candidate);

    /** A local offer to send to the server as {@code SignalRequest.offer} with this id. */
    void onPublisherOffer(RTCSessionDescription offer, int offerId);

    void onPublisherState(RTCPeerConnectionState state);

    void onPublisherNegotiationFailed(String what);
  }

  private final String logPrefix;
  private final Executor events;
  private final Callbacks callbacks;
  private final RTCPeerConnection pc;
  private final boolean forceRelay;
  private final RTCDataChannel reliable;
  private final RTCDataChannel lossy;

  // event-thread state
  private final List<RTCIceCandidate> pendingCandidates = new ArrayList<>();
  private boolean remoteDescriptionSet;
  private boolean negotiating;
  private boolean renegotiate;
  private boolean renegotiateWithIceRestart;
  private int offerId;
  private boolean everNegotiated;
  private volatile boolean closed;
  private volatile @Nullable RTCPeerConnectionState state;

  // reliable queue: any thread enqueues, the event thread flushes
  private final Object queueLock = new Object();
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  private long queuedBytes;
  private volatile long channelBuffered;
  private long sentPackets;
  private long refusedPackets;
  private long discardedAtClose;
  private boolean flushPosted;

  PublisherTransport(
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
    RTCDataChannelInit ordered = new RTCDataChannelInit();
    ordered.ordered = true;
    this.reliable = pc.createDataChannel(RELIABLE_LABEL, ordered);
    RTCDataChannelInit unordered = new RTCDataChannelInit();
    unordered.ordered = false;
    unordered.maxRetransmits = 0;
    this.lossy = pc.createDataChannel(LOSSY_LABEL, unordered);
    reliable.registerObserver(new ChannelObserver(reliable, true));
    lossy.registerObserver(new ChannelObserver(lossy, false));
  }

  // ---------------------------------------------------------------- negotiation (event thread)

  /**
   * The data channels (label and SCTP stream id) for a resume's {@code SyncState}, so the server
   * keeps them mapped (event thread). A channel whose id is not yet assigned is left out.
   */
  List<LivekitRtc.DataChannelInfo> dataChannelInfos() {
    if (closed) {
      return new ArrayList<>(0);
    }
    return PeerConnectionConfig.dataChannelInfos(
        List.of(reliable, lossy), LivekitRtc.SignalTarget.PUBLISHER, logPrefix);
  }

  /** Whether an offer was ever made (the first data or track negotiates). */
  boolean everNegotiated() {
    return everNegotiated;
  }

  /**
   * Makes an offer now, or once the one in flight is answered (several requests coalesce into one
   * more offer).
   *
   * @param iceRestart gather new ICE credentials (a resumed signal connection)
   */
  void negotiate(boolean iceRestart) {
    if (closed) {
      return;
    }
    if (negotiating) {
      renegotiate = true;
      renegotiateWithIceRestart |= iceRestart;
      return;
    }
    negotiating = true;
    everNegotiated = true;
    int id = ++offerId;
    RTCOfferOptions options = new RTCOfferOptions();
    options.iceRestart = iceRestart;
    pc.createOffer(
        options,
        new CreateSessionDescriptionObserver() {
          @Override
          public void onSuccess(RTCSessionDescription offer) {
            post(() -> offerCreated(offer, id));
          }

          @Override
          public void onFailure(String error) {
            post(() -> failed("createOffer(" + id + "): " + error));
          }
        });
  }

  private void offerCreated(RTCSessionDescription offer, int id) {
    if (closed) {
      return;
    }
    pc.setLocalDescription(
        offer,
        new SetSessionDescriptionObserver() {
          @Override
          public void onSuccess() {
            post(
                () -> {
                  if (!closed) {
                    callbacks.onPublisherOffer(offer, id);
                  }
                });
          }

          @Override
          public void onFailure(String error) {
            post(() -> failed("setLocalDescription(offer " + id + "): " + error));
          }
        });
  }

  /** Applies the server's answer to our offer in flight. */
  void handleAnswer(LivekitRtc.SessionDescription answer) {
    if (closed) {
      return;
    }
    if (!negotiating) {
      log.debug("{} - ignoring a publisher answer with no offer in flight", logPrefix);
      return;
    }
    if (answer.getId() != 0 && answer.getId() != offerId) {
      log.debug(
          "{} - ignoring a publisher answer to offer {} (in flight: {})",
          logPrefix,
          answer.getId(),
          offerId);
      return;
    }
    pc.setRemoteDescription(
        new RTCSessionDescription(RTCSdpType.ANSWER, answer.getSdp()),
        new SetSessionDescriptionObserver() {
          @Override
          public void onSuccess() {
            post(PublisherTransport.this::answerApplied);
          }

          @Override
          public void onFailure(String error) {
            post(() -> failed("setRemoteDescription(answer " + answer.getId() + "): " + error));
          }
        });
  }

  private void answerApplied() {
    if (closed) {
      return;
    }
    remoteDescriptionSet = true;
    for (RTCIceCandidate c : pendingCandidates) {
      pc.addIceCandidate(c);
    }
    pendingCandidates.clear();
    negotiating = false;
    if (renegotiate) {
      boolean restart = renegotiateWithIceRestart;
      renegotiate = false;
      renegotiateWithIceRestart = false;
      negotiate(restart);
    }
  }

  private void failed(String what) {
    negotiating = false;
    if (!closed) {
      callbacks.onPublisherNegotiationFailed(what);
    }
  }

  /** Adds a server candidate, or buffers it until the answer is applied. */
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

  /** The last local offer, for a later resume's SyncState. */
  @Nullable RTCSessionDescription localDescription() {
    return closed ? null : pc.getLocalDescription();
  }

  @Nullable RTCPeerConnectionState state() {
    return state;
  }

  // ---------------------------------------------------------------- the audio track (event thread)

  /**
   * Adds {@code track} as a send-only transceiver capped at {@code maxBitrateBps} (the caller then
   * negotiates).
   */
  RTCRtpSender addAudioTrack(AudioTrack track, String streamId, int maxBitrateBps) {
    RTCRtpTransceiverInit init = new RTCRtpTransceiverInit();
    init.direction = RTCRtpTransceiverDirection.SEND_ONLY;
    init.streamIds = List.of(streamId);
    RTCRtpEncodingParameters encoding = new RTCRtpEncodingParameters();
    encoding.maxBitrate = maxBitrateBps;
    encoding.active = true;
    init.sendEncodings = List.of(encoding);
    RTCRtpTransceiver transceiver = pc.addTransceiver(track, init);
    return transceiver.getSender();
  }

  /**
   * WebRTC's outbound-rtp audio statistics (packets and bytes sent, per sender), delivered on the
   * event executor.
   */
  void outboundAudioStats(Consumer<Map<String, Map<String, Object>>> out) {
    if (closed) {
      out.accept(Map.of());
      return;
    }
    pc.getStats(
        report ->
            post(
                () -> {
                  Map<String, Map<String, Object>> m = new TreeMap<>();
                  for (RTCStats s : report.getStats().values()) {
                    Map<String, Object> a = s.getAttributes();
                    if (s.getType() == RTCStatsType.OUTBOUND_RTP && "audio".equals(a.get("kind"))) {
                      m.put(s.getId(), new TreeMap<>(a));
                    }
                  }
                  out.accept(m);
                }));
  }

  // ---------------------------------------------------------------- reliable data (any thread)

  /**
   * Queues one serialized {@code DataPacket} for the {@value #RELIABLE_LABEL} channel. Never
   * blocks.
   *
   * @return {@code false} if the transport is closed or the packet would take what is pending
   *     beyond {@value #MAX_PENDING_BYTES} bytes (the packet is not queued)
   * @throws IllegalArgumentException if the packet is empty or larger than {@value
   *     #MAX_PACKET_BYTES} bytes
   */
  boolean sendReliable(byte[] packet) {
    if (packet.length == 0 || packet.length > MAX_PACKET_BYTES) {
      throw new IllegalArgumentException(
          "a reliable data packet must be 1.." + MAX_PACKET_BYTES + " bytes, got " + packet.length);
    }
    boolean post;
    synchronized (queueLock) {
      if (closed || queuedBytes + channelBuffered + packet.length > MAX_PENDING_BYTES) {
        refusedPackets++;
        return false;
      }
      queue.add(packet);
      queuedBytes += packet.length;
      post = !flushPosted;
      flushPosted = true;
    }
    if (post) {
      post(this::flushReliable);
    }
    return true;
  }

  /** Packets sent into the channel, refused by {@link #sendReliable}, and discarded at close. */
  long sentPackets() {
    synchronized (queueLock) {
      return sentPackets;
    }
  }

  long refusedPackets() {
    synchronized (queueLock) {
      return refusedPackets;
    }
  }

  long discardedAtClose() {
    synchronized (queueLock) {
      return discardedAtClose;
    }
  }

  /** Moves queued packets into the channel while it is open and not over its high-water mark. */
  private void flushReliable() {
    synchronized (queueLock) {
      flushPosted = false;
    }
    if (closed) {
      return;
    }
    if (!everNegotiated) {
      negotiate(false); // the first data opens the connection; the flush resumes on OPEN
      return;
    }
    if (reliable.getState() != RTCDataChannelState.OPEN) {
      return; // resumed by the state change to OPEN
    }
    while (true) {
      long buffered = reliable.getBufferedAmount();
      channelBuffered = buffered;
      if (buffered > HIGH_WATER_BYTES) {
        return; // resumed by onBufferedAmountChange
      }
      byte[] next;
      synchronized (queueLock) {
        next = queue.peek();
      }
      if (next == null) {
        return;
      }
      try {
        reliable.send(new RTCDataChannelBuffer(ByteBuffer.wrap(next), true));
      } catch (Exception e) {
        // the channel is closing: keep the packet (it is dropped only when we close)
        log.debug(
            "{} - reliable send failed, {} kept queued: {}", logPrefix, next.length, e.toString());
        return;
      }
      synchronized (queueLock) {
        queue.poll();
        queuedBytes -= next.length;
        sentPackets++;
      }
    }
  }

  private final class ChannelObserver implements RTCDataChannelObserver {
    private final RTCDataChannel channel;
    private final boolean isReliable;

    ChannelObserver(RTCDataChannel channel, boolean isReliable) {
      this.channel = channel;
      this.isReliable = isReliable;
    }

    @Override
    public void onBufferedAmountChange(long previousAmount) {
      if (isReliable) {
        post(PublisherTransport.this::flushReliable);
      }
    }

    @Override
    public void onStateChange() {
      post(
          () -> {
            if (closed) {
              return;
            }
            RTCDataChannelState s = channel.getState();
            log.debug("{} - data channel {} {}", logPrefix, channel.getLabel(), s);
            if (isReliable && s == RTCDataChannelState.OPEN) {
              flushReliable();
            }
          });
    }

    @Override
    public void onMessage(RTCDataChannelBuffer buffer) {
      // incoming data arrives on the subscriber connection's channels; nothing comes here
    }
  }

  // ---------------------------------------------------------------- closing

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
    synchronized (queueLock) {
      closed = true;
      discardedAtClose += queue.size();
      if (!queue.isEmpty()) {
        log.debug("{} - {} reliable packet(s) unsent at close", logPrefix, queue.size());
      }
      queue.clear();
      queuedBytes = 0;
    }
    try {
      reliable.unregisterObserver();
      lossy.unregisterObserver();
    } catch (RuntimeException | Error e) {
      log.trace("{} - data channel observer: {}", logPrefix, e.toString());
    }
    // as for the subscriber: close and drop the references (0.14.0 never frees the native PC)
    pc.close();
    WebRtcFactories.closed();
  }

  // --- PeerConnectionObserver: signaling thread; hand off and return ---

  @Override
  public void onIceCandidate(RTCIceCandidate candidate) {
    post(
        () -> {
          if (!closed) {
            callbacks.onPublisherCandidate(candidate);
          }
        });
  }

  @Override
  public void onConnectionChange(RTCPeerConnectionState s) {
    state = s;
    post(
        () -> {
          if (!closed) {
            callbacks.onPublisherState(s);
          }
        });
  }

  private void post(Runnable r) {
    try {
      events.execute(r);
    } catch (RejectedExecutionException e) {
      log.trace("{} - room closed, dropping publisher event", logPrefix);
    }
  }
}
