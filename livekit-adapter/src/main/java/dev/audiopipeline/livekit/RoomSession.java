package dev.audiopipeline.livekit;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.PipelineEvent.SourceConnection;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.internal.runtime.Backoff;
import dev.audiopipeline.internal.runtime.NamedThreadFactory;
import dev.audiopipeline.okhttp.OkHttpWebSocketTransport;
import dev.audiopipeline.spi.Secrets;
import dev.audiopipeline.spi.WebSocketTransport;
import dev.onvoid.webrtc.RTCIceCandidate;
import dev.onvoid.webrtc.RTCPeerConnectionState;
import dev.onvoid.webrtc.RTCRtpReceiver;
import dev.onvoid.webrtc.RTCSessionDescription;
import dev.onvoid.webrtc.media.MediaStreamTrack;
import dev.onvoid.webrtc.media.audio.AudioTrack;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import livekit.LivekitModels.DisconnectReason;
import livekit.LivekitModels.ParticipantInfo;
import livekit.LivekitModels.TrackInfo;
import livekit.LivekitModels.TrackType;
import livekit.LivekitRtc;
import livekit.LivekitRtc.JoinResponse;
import livekit.LivekitRtc.LeaveRequest;
import livekit.LivekitRtc.SignalRequest;
import livekit.LivekitRtc.SignalResponse;
import livekit.LivekitRtc.SignalTarget;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One bot participation in one room: the signal connection, the subscriber peer connection, the
 * room's participants and the speaker streams of their audio tracks.
 *
 * <p>All state lives on one named event thread ({@code audio-pipeline-livekit-<room>-events}):
 * signal messages, webrtc-java observer callbacks, the keepalive timer and teardown all run there,
 * so nothing here needs a lock. OkHttp's and WebRTC's threads only hand work to it.
 */
final class RoomSession implements SubscriberTransport.Callbacks {
  /**
   * How long a failed subscriber connection waits for the signal socket to say why (a leave with
   * its reason) before it is treated as a network fault: a resume, then a rejoin.
   */
  static final Duration PEER_FAILURE_GRACE = Duration.ofSeconds(2);

  /**
   * After a full rejoin, how long a speaker stream of the old participation waits for a track of
   * the same identity to continue it; after that it ends ({@code speakerLeft}). Other clients
   * rejoin a restarted server on their own schedule (LiveKit's SDKs back off up to 7 s).
   */
  static final Duration REJOIN_GRACE = Duration.ofSeconds(30);

  private static final Logger log = LoggerFactory.getLogger(RoomSession.class);

  private final RoomConfig config;
  private final AudioSource.Listener listener;
  private final String logPrefix;
  private final ScheduledThreadPoolExecutor events;
  private final OkHttpClient http;
  private final boolean ownsHttp;
  private final WebSocketTransport transport;
  private final CompletableFuture<JoinResponse> joined = new CompletableFuture<>();

  /** Counts reconnect attempts under the room's {@link dev.audiopipeline.spi.ReconnectPolicy}. */
  private final Backoff backoff;

  /** Where the signal connection stands. */
  private enum Phase {
    /** First join: waiting for the join response. */
    CONNECTING,
    JOINED,
    /** Signal lost: reconnecting with {@code reconnect=1}, peer connection kept. */
    RESUMING,
    /** Resume refused: joining again as a new participant. */
    REJOINING,
    CLOSED
  }

  // the current signal connection; replaced on resume/rejoin (event thread writes, close() reads)
  private volatile SignalClient signal;
  private volatile CountDownLatch signalTerminated = new CountDownLatch(1);
  private int generation;
  private Phase phase = Phase.CONNECTING;

  /** When the current signal connection was joined or resumed (event thread). */
  private long upSinceNanos;

  private @Nullable String refreshedToken;
  private LivekitRtc.@Nullable SessionDescription lastOffer;
  private final java.util.concurrent.atomic.AtomicInteger resumes =
      new java.util.concurrent.atomic.AtomicInteger();
  private final java.util.concurrent.atomic.AtomicInteger rejoins =
      new java.util.concurrent.atomic.AtomicInteger();
  private final long sourceStartNanos = System.nanoTime();

  // event-thread state
  private final Map<String, ParticipantInfo> participantsBySid = new HashMap<>();
  private final Map<String, ParticipantInfo> ownerByTrackSid = new HashMap<>();
  private final Map<String, RTCRtpReceiver> unmatchedReceivers = new HashMap<>();
  private final Map<String, RemoteAudioStream> openStreams = new HashMap<>();

  /** Streams of the participation before a rejoin, by identity, waiting to be continued. */
  private final Map<String, List<RemoteAudioStream>> detachedByIdentity = new LinkedHashMap<>();

  private int rejoinEpoch;
  private @Nullable SubscriberTransport subscriber;

  /** Text streams other participants send, for the topics someone listens to (event thread). */
  private volatile @Nullable TextStreams textStreams;

  /** The publisher connection (data channels, the bot's audio); from the join on (event thread). */
  private volatile @Nullable PublisherTransport publisher;

  /** Reliable data packets' sequence numbers, strictly increasing per participant session. */
  private final Object reliableLock = new Object();

  private int reliableSequence;
  private @Nullable ScheduledFuture<?> pinger;
  private volatile String selfSid = "";
  private long joinedNanos;

  /** When the server last closed the joined signal connection normally without a LeaveRequest. */
  private long lastTakeoverNanos = Long.MIN_VALUE;

  /** Two such closes within this window: another client is using this bot's identity. */
  static final long TAKEOVER_WINDOW_NANOS = TimeUnit.SECONDS.toNanos(30);

  private long pingTimeoutNanos = TimeUnit.SECONDS.toNanos(15);
  private int pingIntervalSeconds = 5;
  private volatile long lastRttMs;
  private volatile boolean tornDown;
  private volatile boolean reportedEnd;

  // readable from any thread
  private final ConcurrentLinkedQueue<RemoteAudioStream> allStreams = new ConcurrentLinkedQueue<>();

  /** Sender participant SID -> last reliable sequence number received (event thread). */
  private final Map<String, Integer> reliableReceived = new HashMap<>();

  private volatile LivekitRtc.@Nullable SyncState lastSyncState;
  private final Set<String> identities = ConcurrentHashMap.newKeySet();
  private volatile @Nullable RTCPeerConnectionState subscriberState;

  /** A resume was made because the subscriber connection failed, and it has not connected since. */
  private boolean resumedForFailedSubscriber;

  private volatile @Nullable Thread eventThread;

  RoomSession(RoomConfig config, AudioSource.Listener listener) {
    this.config = config;
    this.listener = listener;
    this.logPrefix = config.logPrefix();
    this.events =
        new ScheduledThreadPoolExecutor(
            1, new NamedThreadFactory("livekit-" + config.threadTag() + "-events"));
    this.events.setRemoveOnCancelPolicy(true);
    this.events.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    OkHttpClient given = config.httpClient();
    if (given != null) {
      this.http = given;
      this.ownsHttp = false;
    } else {
      ThreadPoolExecutor dispatcherPool =
          new ThreadPoolExecutor(
              0,
              Integer.MAX_VALUE,
              60,
              TimeUnit.SECONDS,
              new SynchronousQueue<>(),
              new NamedThreadFactory("livekit-" + config.threadTag() + "-http"));
      // no WebSocket pings: LiveKit's own ping/pong (keepAlive) watches the connection
      this.http =
          OkHttpWebSocketTransport.streamingClient(
              null, new Dispatcher(dispatcherPool), Duration.ZERO);
      this.ownsHttp = true;
    }
    this.transport = new OkHttpWebSocketTransport(http);
    this.backoff = new Backoff(config.reconnectPolicy(), new Random());
    this.events.execute(() -> eventThread = Thread.currentThread());
    this.signal = newSignal();
  }

  /** A signal connection whose events reach this session only while it is the current one. */
  private SignalClient newSignal() {
    int gen = ++generation;
    CountDownLatch terminated = new CountDownLatch(1);
    signalTerminated = terminated;
    return new SignalClient(
        logPrefix,
        events,
        new SignalClient.Handler() {
          @Override
          public void onSignal(SignalResponse response) {
            if (gen == generation) {
              RoomSession.this.onSignal(response);
            }
          }

          @Override
          public void onSignalLost(
              String why, @Nullable Throwable cause, @Nullable Integer status) {
            if (gen == generation) {
              RoomSession.this.onSignalLost(why, cause, status);
            }
          }

          @Override
          public void signalTerminated() {
            terminated.countDown();
          }
        });
  }

  void start() {
    log.debug(
        "{} - connecting to {}", logPrefix, config.signalUrl().newBuilder().query(null).build());
    events.execute(() -> signal.connect(transport, config.signalUrl(), config.token()));
    events.schedule(
        () -> {
          if (!joined.isDone()) {
            fail(
                new LiveKitRoomException(
                    "no join response within " + config.joinTimeout().toMillis() + " ms",
                    null,
                    null));
          }
        },
        config.joinTimeout().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  CompletableFuture<JoinResponse> joined() {
    return joined;
  }

  List<TrackStats> trackStats() {
    List<TrackStats> out = new ArrayList<>();
    for (RemoteAudioStream s : allStreams) {
      out.add(s.stats());
    }
    return out;
  }

  /**
   * The SID of the track that feeds speaker stream {@code streamId} now (its first track's SID
   * until a rejoin continues it from a new track), or null if no such stream. Any thread.
   */
  @Nullable String currentTrackSidOf(String streamId) {
    for (RemoteAudioStream s : allStreams) {
      if (s.id().equals(streamId)) {
        return s.currentTrackSid();
      }
    }
    return null;
  }

  Set<String> remoteIdentities() {
    return Set.copyOf(identities);
  }

  long lastRttMillis() {
    return lastRttMs;
  }

  @Nullable RTCPeerConnectionState subscriberState() {
    return subscriberState;
  }

  // ---------------------------------------------------------------- signal messages

  private void onSignal(SignalResponse msg) {
    if (tornDown) {
      return;
    }
    if (phase == Phase.CONNECTING || phase == Phase.REJOINING) {
      switch (msg.getMessageCase()) {
        case JOIN -> handleJoin(msg.getJoin());
        case LEAVE -> {
          LeaveRequest l = msg.getLeave();
          fail(
              new LiveKitRoomException(
                  "the server refused the join: " + l.getReason(), l.getReason().name(), null));
        }
        default ->
            log.debug("{} - ignoring {} before the join response", logPrefix, msg.getMessageCase());
      }
      return;
    }
    if (phase == Phase.RESUMING) {
      if (msg.getMessageCase() == SignalResponse.MessageCase.LEAVE) {
        LeaveRequest l = msg.getLeave();
        log.info(
            "{} - resume refused ({} {}), joining again", logPrefix, l.getAction(), l.getReason());
        if (countAttempt(null, "the server refused the resume (" + l.getReason() + ")") != null) {
          rejoin(Duration.ZERO); // answered: no delay
        }
        return;
      }
      resumed(
          msg.getMessageCase() == SignalResponse.MessageCase.RECONNECT ? msg.getReconnect() : null);
      if (msg.getMessageCase() == SignalResponse.MessageCase.RECONNECT) {
        return;
      }
    }
    switch (msg.getMessageCase()) {
      case OFFER -> {
        lastOffer = msg.getOffer();
        SubscriberTransport sub = subscriber;
        if (sub != null) {
          sub.handleOffer(msg.getOffer());
        }
      }
      case ANSWER -> {
        PublisherTransport pub = publisher;
        if (pub != null) {
          pub.handleAnswer(msg.getAnswer());
        }
      }
      case TRICKLE -> handleTrickle(msg.getTrickle());
      case UPDATE -> {
        for (ParticipantInfo p : msg.getUpdate().getParticipantsList()) {
          upsertParticipant(p);
        }
      }
      case LEAVE -> handleLeave(msg.getLeave());
      case PONG_RESP ->
          lastRttMs =
              Math.max(0, System.currentTimeMillis() - msg.getPongResp().getLastPingTimestamp());
      case REFRESH_TOKEN -> {
        refreshedToken = msg.getRefreshToken(); // for reconnects; never logged
        Secrets.register(refreshedToken);
      }
      case TRACK_PUBLISHED -> speechTrackPublished(msg.getTrackPublished());
      case TRACK_SUBSCRIBED -> {
        if (msg.getTrackSubscribed().getTrackSid().equals(speechTrackSid)) {
          speechSubscribed = true;
          checkSpeechReady();
        }
      }
      case JOIN -> log.debug("{} - ignoring a second join response", logPrefix);
      case MESSAGE_NOT_SET ->
          log.trace("{} - skipping a signal message of a newer protocol", logPrefix);
      default -> log.trace("{} - ignoring {}", logPrefix, msg.getMessageCase());
    }
  }

  private void handleJoin(JoinResponse join) {
    boolean rejoin = phase == Phase.REJOINING;
    phase = Phase.JOINED;
    joinedNanos = System.nanoTime();
    upSinceNanos = joinedNanos;
    selfSid = join.getParticipant().getSid();
    for (ParticipantInfo p : join.getOtherParticipantsList()) {
      upsertParticipant(p);
    }
    if (!join.getSubscriberPrimary()) {
      log.warn(
          "{} - server did not make the subscriber connection primary; this bot only subscribes",
          logPrefix);
    }
    boolean forceRelay =
        join.getClientConfiguration().getForceRelay()
            == livekit.LivekitModels.ClientConfigSetting.ENABLED;
    try {
      subscriber =
          new SubscriberTransport(
              logPrefix,
              WebRtcFactories.receiving(),
              join.getIceServersList(),
              forceRelay,
              events,
              this);
    } catch (AudioPipelineException e) {
      fail(e);
      return;
    }
    try {
      PublisherTransport pub =
          new PublisherTransport(
              logPrefix,
              WebRtcFactories.sending(),
              join.getIceServersList(),
              forceRelay,
              events,
              publisherCallbacks);
      publisher = pub;
      synchronized (reliableLock) {
        reliableSequence = 0; // a new participant session
      }
      if (join.getFastPublish() || !join.getSubscriberPrimary()) {
        pub.negotiate(false); // the server invites it; otherwise the first data or track does
      }
    } catch (AudioPipelineException e) {
      fail(e);
      return;
    }
    int interval = join.getPingInterval() > 0 ? join.getPingInterval() : 5;
    int timeout = join.getPingTimeout() > 0 ? join.getPingTimeout() : 15;
    pingIntervalSeconds = interval;
    pingTimeoutNanos = TimeUnit.SECONDS.toNanos(timeout);
    pinger = events.scheduleAtFixedRate(this::keepAlive, interval, interval, TimeUnit.SECONDS);
    log.info(
        "{} - {} room {} as {} ({}), {} other participant(s), server {}",
        logPrefix,
        rejoin ? "joined again" : "joined",
        join.getRoom().getName(),
        join.getParticipant().getIdentity(),
        selfSid,
        join.getOtherParticipantsCount(),
        join.getServerInfo().getVersion());
    selfIdentity = join.getParticipant().getIdentity();
    joined.complete(join);
    if (rejoin && speechSource != null) {
      speechReady = null; // a new participant: publish the bot's track again
      publishSpeech(speechSource);
    }
    if (rejoin) {
      int epoch = rejoinEpoch;
      events.schedule(() -> endDetached(epoch), REJOIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
      announce(
          SourceConnection.State.REJOINED,
          0,
          "joined again as a new participant ("
              + selfSid
              + "); "
              + detachedCount()
              + " speaker stream(s) waiting for their tracks");
    }
  }

  private void handleTrickle(LivekitRtc.TrickleRequest trickle) {
    RTCIceCandidate candidate;
    try {
      candidate = IceCandidateJson.fromJson(trickle.getCandidateInit());
    } catch (IllegalArgumentException e) {
      log.debug("{} - skipping a malformed ICE candidate: {}", logPrefix, e.getMessage());
      return;
    }
    if (trickle.getTarget() == SignalTarget.PUBLISHER) {
      PublisherTransport pub = publisher;
      if (pub != null) {
        pub.addRemoteCandidate(candidate);
      }
      return;
    }
    SubscriberTransport sub = subscriber;
    if (sub != null) {
      sub.addRemoteCandidate(candidate);
    }
  }

  private void handleLeave(LeaveRequest leave) {
    LeaveRequest.Action action = leave.getAction();
    DisconnectReason reason = leave.getReason();
    if (action == LeaveRequest.Action.RESUME) {
      log.info("{} - server asked to resume ({})", logPrefix, reason);
      signal.cancel();
      if (countAttempt(upSinceNanos, "the server asked to resume") != null) {
        startResume(2 /* RR_SIGNAL_DISCONNECTED */, Duration.ZERO); // asked: no delay
      }
      return;
    }
    if (action == LeaveRequest.Action.RECONNECT) {
      log.info("{} - server asked to reconnect ({})", logPrefix, reason);
      if (countAttempt(upSinceNanos, "the server asked to reconnect") != null) {
        rejoin(Duration.ZERO);
      }
      return;
    }
    if (reason == DisconnectReason.ROOM_CLOSED) {
      // the room closed by itself (its participants left): the transcript is simply complete
      log.info("{} - room ended ({})", logPrefix, reason);
      teardown(false);
      reportEnded();
      return;
    }
    // DISCONNECT for any other reason (ROOM_DELETED by an administrator, PARTICIPANT_REMOVED,
    // DUPLICATE_IDENTITY, SERVER_SHUTDOWN, ...): the server ends this participation on purpose;
    // retrying would fight it. The session ends with the reason, typed.
    fail(
        new LiveKitRoomException(
            reason == DisconnectReason.ROOM_DELETED
                ? "the room was deleted"
                : "the server removed the bot: " + reason,
            reason.name(),
            null));
  }

  private void keepAlive() {
    if (tornDown || phase != Phase.JOINED) {
      return;
    }
    long silentNanos = System.nanoTime() - signal.lastReceivedNanos();
    if (silentNanos > pingTimeoutNanos) {
      onSignalLost(
          "no signal message for "
              + TimeUnit.NANOSECONDS.toMillis(silentNanos)
              + " ms (ping timeout)",
          null,
          null);
      return;
    }
    signal.send(
        SignalRequest.newBuilder()
            .setPingReq(
                LivekitRtc.Ping.newBuilder()
                    .setTimestamp(System.currentTimeMillis())
                    .setRtt(lastRttMs))
            .build());
  }

  private void onSignalLost(String why, @Nullable Throwable cause, @Nullable Integer httpStatus) {
    if (tornDown) {
      return;
    }
    boolean authProblem = httpStatus != null && (httpStatus == 401 || httpStatus == 403);
    if (phase == Phase.JOINED && why.startsWith(SignalClient.SERVER_CLOSED_NORMALLY)) {
      // The server closes a joined participant's signal connection normally, without a
      // LeaveRequest, when another connection takes the participant over. Once may be our own
      // stale connection; twice in a row means another client joins and resumes as this identity
      // (e.g. it missed its own DUPLICATE_IDENTITY leave, lost to a TCP reset): resuming again
      // would fight it forever, each side kicking the other. Stop, and say why.
      long now = System.nanoTime();
      boolean again =
          lastTakeoverNanos != Long.MIN_VALUE && now - lastTakeoverNanos < TAKEOVER_WINDOW_NANOS;
      lastTakeoverNanos = now;
      if (again) {
        fail(
            new LiveKitRoomException(
                "another client keeps taking over this bot's connection (twice within "
                    + TimeUnit.NANOSECONDS.toSeconds(TAKEOVER_WINDOW_NANOS)
                    + " s): is a second bot"
                    + " using the same identity? Giving up instead of fighting it",
                "DUPLICATE_IDENTITY",
                null));
        return;
      }
    }
    if (!authProblem
        && (phase == Phase.JOINED || phase == Phase.RESUMING || phase == Phase.REJOINING)) {
      boolean wasUp = phase == Phase.JOINED;
      if (wasUp) {
        log.warn("{} - signal connection lost ({}); resuming", logPrefix, why);
      } else {
        log.debug("{} - reconnect attempt {} failed: {}", logPrefix, backoff.attempts(), why);
      }
      Backoff.Decision next = countAttempt(wasUp ? upSinceNanos : null, why, cause);
      if (next == null) {
        return;
      }
      if (phase == Phase.RESUMING && httpStatus != null && httpStatus >= 400 && httpStatus < 500) {
        // the server is up and answered the resume with a refusal: it will not resume us
        log.info("{} - resume refused with HTTP {}, joining again", logPrefix, httpStatus);
        rejoin(next.delay());
        return;
      }
      if (phase == Phase.REJOINING) {
        events.schedule(this::connectRejoin, next.delay().toNanos(), TimeUnit.NANOSECONDS);
      } else {
        startResume(1 /* RR_SIGNAL_DISCONNECTED */, next.delay());
      }
      return;
    }
    AudioPipelineException error;
    if (httpStatus != null && (httpStatus == 401 || httpStatus == 403)) {
      error = new AuthenticationException("livekit", why, httpStatus, -1, null, cause);
    } else if (httpStatus != null) {
      error = new LiveKitRoomException(why, null, cause);
    } else if (cause instanceof IOException) {
      error = new ConnectionException(logPrefix + " - " + why, (IOException) cause);
    } else {
      error = new ConnectionException(logPrefix + " - " + why, new IOException(why, cause));
    }
    fail(error);
  }

  // ---------------------------------------------------------------- resume and rejoin

  /**
   * Reconnects the signal connection with {@code reconnect=1}: the server keeps the participant,
   * its subscriptions and the subscriber peer connection (which it ICE-restarts), so speaker
   * streams go on without a gap in their identity.
   */
  private void startResume(int reason, Duration delay) {
    phase = Phase.RESUMING;
    ScheduledFuture<?> p = pinger;
    if (p != null) {
      p.cancel(false);
    }
    int r = reason;
    Runnable attempt =
        () -> {
          if (tornDown || phase != Phase.RESUMING) {
            return;
          }
          signal = newSignal();
          HttpUrl url =
              config
                  .signalUrl()
                  .newBuilder()
                  .addQueryParameter("reconnect", "1")
                  .addQueryParameter("sid", selfSid)
                  .addQueryParameter("reconnect_reason", Integer.toString(r))
                  .build();
          signal.connect(transport, url, currentToken());
          watchReconnect();
        };
    if (delay.isZero()) {
      attempt.run();
    } else {
      events.schedule(attempt, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private void resumed(LivekitRtc.@Nullable ReconnectResponse reconnect) {
    phase = Phase.JOINED;
    upSinceNanos = System.nanoTime();
    resumes.incrementAndGet();
    SubscriberTransport sub = subscriber;
    PublisherTransport pub = publisher;
    if (reconnect != null) {
      // the resumed server names the ICE servers anew (TURN credentials expire): both connections
      // use them from the ICE restarts on, as LiveKit's SDKs do
      List<LivekitRtc.ICEServer> ice = reconnect.getIceServersList();
      if (sub != null) {
        sub.updateIceServers(ice);
      }
      if (pub != null) {
        pub.updateIceServers(ice);
      }
      log.debug("{} - reconnect response: {} ICE server(s) applied", logPrefix, ice.size());
    }
    LivekitRtc.SyncState.Builder sync =
        LivekitRtc.SyncState.newBuilder()
            // auto-subscribe: we unsubscribed from nothing
            .setSubscription(LivekitRtc.UpdateSubscription.newBuilder().setSubscribe(false));
    RTCSessionDescription answer = sub == null ? null : sub.localDescription();
    LivekitRtc.SessionDescription offer = lastOffer;
    if (answer != null && offer != null) {
      sync.setAnswer(
          LivekitRtc.SessionDescription.newBuilder()
              .setType("answer")
              .setSdp(answer.sdp)
              .setId(offer.getId()));
      sync.setOffer(offer);
    }
    // what the bot publishes: its track (if any) and its data channels, so the server keeps them
    LivekitRtc.TrackPublishedResponse speech = speechPublished;
    if (speech != null) {
      sync.addPublishTracks(speech);
    }
    if (pub != null) {
      sync.addAllDataChannels(pub.dataChannelInfos());
    }
    // the server's channels on the subscriber connection, and the last reliable sequence received
    // from each sender, so the server resends only what was missed (as LiveKit's JS SDK)
    if (sub != null) {
      sync.addAllDataChannels(sub.dataChannelInfos());
    }
    reliableReceived.forEach(
        (sender, seq) ->
            sync.addDatachannelReceiveStates(
                LivekitRtc.DataChannelReceiveState.newBuilder()
                    .setPublisherSid(sender)
                    .setLastSeq(seq)));
    LivekitRtc.SyncState sent = sync.build();
    lastSyncState = sent;
    signal.send(SignalRequest.newBuilder().setSyncState(sent).build());
    // then, strictly after the SyncState (as LiveKit's SDKs do), ICE-restart the publisher
    // connection if it was ever negotiated; the server restarts the subscriber by itself
    boolean iceRestart = false;
    if (pub != null && pub.everNegotiated()) {
      pub.negotiate(true);
      iceRestart = true;
    }
    pinger =
        events.scheduleAtFixedRate(
            this::keepAlive, pingIntervalSeconds, pingIntervalSeconds, TimeUnit.SECONDS);
    log.info(
        "{} - signal connection resumed; streams kept{}{}",
        logPrefix,
        speech != null ? "; track " + speech.getTrack().getSid() + " kept" : "",
        iceRestart ? "; publisher connection ICE-restarted" : "");
    announce(SourceConnection.State.RESUMED, 0, "resumed as " + selfSid + "; streams kept");
    if (resumedForFailedSubscriber) {
      long epoch = resumes.get();
      events.schedule(
          () -> checkSubscriberAfterResume(epoch),
          config.joinTimeout().toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  /**
   * The resume was refused: leave the old session behind and join as a new participant after {@code
   * delay}. Open speaker streams are detached, not ended: a track of the same identity in the new
   * participation continues them ({@link #openStream}), so a speaker keeps its stream, its label
   * and its timeline; what was not heard meanwhile is a gap of the outage's length.
   */
  private void rejoin(Duration delay) {
    phase = Phase.REJOINING;
    rejoins.incrementAndGet();
    rejoinEpoch++;
    ScheduledFuture<?> p = pinger;
    if (p != null) {
      p.cancel(false);
    }
    signal.cancel();
    for (RemoteAudioStream stream : new ArrayList<>(openStreams.values())) {
      stream.detach();
      detachedByIdentity.computeIfAbsent(stream.identity(), k -> new ArrayList<>()).add(stream);
    }
    openStreams.clear();
    SubscriberTransport sub = subscriber;
    if (sub != null) {
      sub.close();
    }
    subscriber = null;
    subscriberState = null;
    resumedForFailedSubscriber = false;
    closePublisher();
    participantsBySid.clear();
    reliableReceived.clear(); // a new participation: the server numbers afresh
    ownerByTrackSid.clear();
    unmatchedReceivers.clear();
    identities.clear();
    lastOffer = null;
    if (delay.isZero()) {
      connectRejoin();
    } else {
      events.schedule(this::connectRejoin, delay.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  private int detachedCount() {
    int n = 0;
    for (List<RemoteAudioStream> l : detachedByIdentity.values()) {
      n += l.size();
    }
    return n;
  }

  /** Ends the streams no track came back for within {@link #REJOIN_GRACE} of a rejoin. */
  private void endDetached(int epoch) {
    if (epoch != rejoinEpoch || phase != Phase.JOINED || tornDown) {
      return; // another rejoin began meanwhile: its own timer will decide
    }
    endAllDetached("not back within " + REJOIN_GRACE.toSeconds() + " s of the rejoin");
  }

  private void endAllDetached(String why) {
    for (List<RemoteAudioStream> l : new ArrayList<>(detachedByIdentity.values())) {
      for (RemoteAudioStream stream : l) {
        stream.end();
        log.debug(
            "{} - speaker stream {} of {} ended: {}",
            logPrefix,
            stream.id(),
            stream.identity(),
            why);
        try {
          listener.speakerLeft(stream);
        } catch (RuntimeException e) {
          log.warn("{} - listener.speakerLeft threw", logPrefix, e);
        }
      }
    }
    detachedByIdentity.clear();
  }

  /** Tells the session (and from there {@code session.events()}) about the connection. */
  private void announce(SourceConnection.State state, int attempt, String detail) {
    try {
      listener.sourceConnection(state, attempt, detail);
    } catch (RuntimeException e) {
      log.warn("{} - listener.sourceConnection threw", logPrefix, e);
    }
  }

  private void connectRejoin() {
    if (tornDown || phase != Phase.REJOINING) {
      return;
    }
    signal = newSignal();
    signal.connect(transport, config.signalUrl(), currentToken());
    watchReconnect();
  }

  /** An attempt that neither fails nor gets an answer within the join timeout counts as failed. */
  private void watchReconnect() {
    int gen = generation;
    events.schedule(
        () -> {
          if (gen == generation
              && (phase == Phase.RESUMING || phase == Phase.REJOINING)
              && !tornDown) {
            signal.cancel();
            onSignalLost(
                "no answer to the reconnect within " + config.joinTimeout().toMillis() + " ms",
                null,
                null);
          }
        },
        config.joinTimeout().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private Backoff.@Nullable Decision countAttempt(@Nullable Long openedAtNanos, String why) {
    return countAttempt(openedAtNanos, why, null);
  }

  /**
   * Counts one more reconnect attempt under the policy, or fails the source when the policy gives
   * up.
   *
   * @param openedAtNanos when the connection just lost had been joined or resumed, {@code null}
   *     when it was a reconnect attempt that never got that far
   * @return the policy's decision (its delay before the attempt), or {@code null} after failing
   */
  private Backoff.@Nullable Decision countAttempt(
      @Nullable Long openedAtNanos, String why, @Nullable Throwable cause) {
    Backoff.Decision d = backoff.onDrop(System.nanoTime(), openedAtNanos);
    if (!d.retry()) {
      fail(
          new ConnectionException(
              logPrefix + " - " + d.giveUpReason() + ": " + why,
              cause instanceof IOException ? (IOException) cause : new IOException(why, cause)));
      return null;
    }
    announce(SourceConnection.State.RECONNECTING, d.attempt(), why);
    return d;
  }

  private String currentToken() {
    String t = refreshedToken;
    return t != null ? t : config.token();
  }

  /** WebRTC's inbound-rtp audio statistics per track SID (jitter buffer, concealment). */
  CompletableFuture<Map<String, Map<String, Object>>> inboundAudioStats() {
    CompletableFuture<Map<String, Map<String, Object>>> f = new CompletableFuture<>();
    try {
      events.execute(
          () -> {
            SubscriberTransport sub = subscriber;
            if (sub == null) {
              f.complete(Map.of());
            } else {
              sub.inboundAudioStats(f::complete);
            }
          });
    } catch (RejectedExecutionException e) {
      f.complete(Map.of());
    }
    return f;
  }

  int resumeCount() {
    return resumes.get();
  }

  int rejoinCount() {
    return rejoins.get();
  }

  // ---------------------------------------------------------------- participants and tracks

  private void upsertParticipant(ParticipantInfo p) {
    String sid = p.getSid();
    if (sid.isEmpty() || sid.equals(selfSid)) {
      return;
    }
    ParticipantInfo old = participantsBySid.get(sid);
    if (old != null && p.getVersion() < old.getVersion()) {
      return; // stale snapshot
    }
    Set<String> before = old == null ? Set.of() : audioTrackSids(old);
    if (p.getState() == ParticipantInfo.State.DISCONNECTED) {
      participantsBySid.remove(sid);
      identities.remove(p.getIdentity());
      for (String trackSid : before) {
        ownerByTrackSid.remove(trackSid);
        unmatchedReceivers.remove(trackSid);
        endStream(trackSid, "participant left");
      }
      log.debug("{} - participant {} left", logPrefix, p.getIdentity());
      return;
    }
    participantsBySid.put(sid, p);
    identities.add(p.getIdentity());
    Set<String> now = audioTrackSids(p);
    for (String trackSid : before) {
      if (!now.contains(trackSid)) {
        ownerByTrackSid.remove(trackSid);
        unmatchedReceivers.remove(trackSid);
        endStream(trackSid, "track unpublished");
      }
    }
    for (String trackSid : now) {
      ownerByTrackSid.put(trackSid, p);
      RTCRtpReceiver waiting = unmatchedReceivers.remove(trackSid);
      if (waiting != null) {
        openStream(trackSid, waiting, p);
      }
    }
  }

  private static Set<String> audioTrackSids(ParticipantInfo p) {
    Set<String> sids = new HashSet<>();
    for (TrackInfo t : p.getTracksList()) {
      if (t.getType() == TrackType.AUDIO) {
        sids.add(t.getSid());
      }
    }
    return sids;
  }

  /** Where received text streams go; set before {@link #start()}. */
  void textStreams(TextStreams streams) {
    this.textStreams = streams;
  }

  @Override
  public void onData(byte[] message) {
    if (phase == Phase.CLOSED) {
      return;
    }
    livekit.LivekitModels.DataPacket packet;
    try {
      packet = livekit.LivekitModels.DataPacket.parseFrom(message);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      log.debug("{} - unreadable data packet ({} bytes) ignored", logPrefix, message.length);
      return;
    }
    if (!reliableFresh(packet)) {
      return;
    }
    TextStreams t = textStreams;
    if (t == null || !t.active()) {
      return;
    }
    t.accept(packet);
  }

  /**
   * Records the last reliable sequence number received from each sender (for a resume's {@code
   * SyncState}) and tells whether this packet is new: after a resume the server resends what it
   * holds past that number, so a packet at or below it is a duplicate and dropped (as LiveKit's JS
   * SDK). Unsequenced (lossy) packets are always new. Event thread.
   */
  private boolean reliableFresh(livekit.LivekitModels.DataPacket packet) {
    int seq = packet.getSequence();
    String sender = packet.getParticipantSid();
    if (seq == 0 || sender.isEmpty()) {
      return true;
    }
    Integer last = reliableReceived.get(sender);
    if (last != null && Integer.compareUnsigned(seq, last) <= 0) {
      log.trace("{} - duplicate reliable packet {} of {} dropped", logPrefix, seq, sender);
      return false;
    }
    reliableReceived.put(sender, seq);
    return true;
  }

  /** The SyncState of the last resume (tests). */
  LivekitRtc.@Nullable SyncState lastSyncState() {
    return lastSyncState;
  }

  /** The subscriber connection of the current participation, if any (tests inject faults). */
  @Nullable SubscriberTransport subscriberTransport() {
    return subscriber;
  }

  /** The ICE server URLs of the subscriber and the publisher connection now (tests). */
  List<String> iceServerUrls() {
    List<String> out = new ArrayList<>();
    SubscriberTransport sub = subscriber;
    if (sub != null) {
      out.addAll(sub.iceServerUrls());
    }
    PublisherTransport pub = publisher;
    if (pub != null) {
      out.addAll(pub.iceServerUrls());
    }
    return out;
  }

  @Override
  public void onTrack(RTCRtpReceiver receiver, @Nullable String mid) {
    MediaStreamTrack track = receiver.getTrack();
    if (!MediaStreamTrack.AUDIO_TRACK_KIND.equals(track.getKind())) {
      return;
    }
    // The receiver's track id is the msid track id, which LiveKit sets to the track SID.
    String trackSid = track.getId();
    if (openStreams.containsKey(trackSid)) {
      return;
    }
    ParticipantInfo owner = ownerByTrackSid.get(trackSid);
    if (owner == null) {
      unmatchedReceivers.put(trackSid, receiver); // its participant update is still to come
      log.debug(
          "{} - track {} (mid {}) arrived before its participant info", logPrefix, trackSid, mid);
      return;
    }
    openStream(trackSid, receiver, owner);
  }

  private void openStream(String trackSid, RTCRtpReceiver receiver, ParticipantInfo owner) {
    AudioTrack track = (AudioTrack) receiver.getTrack();
    List<RemoteAudioStream> waiting = detachedByIdentity.get(owner.getIdentity());
    if (waiting != null && !waiting.isEmpty()) {
      // the bot rejoined: this participant's track continues the stream it had before
      RemoteAudioStream stream = waiting.remove(0);
      if (waiting.isEmpty()) {
        detachedByIdentity.remove(owner.getIdentity());
      }
      stream.rebind(track, trackSid, owner.getSid());
      openStreams.put(trackSid, stream);
      log.info(
          "{} - track {} of {} continues speaker stream {} after the rejoin",
          logPrefix,
          trackSid,
          owner.getIdentity(),
          stream.id());
      return;
    }
    RemoteAudioStream stream =
        new RemoteAudioStream(
            trackSid, owner.getIdentity(), owner.getSid(), track, sourceStartNanos, joinedNanos);
    openStreams.put(trackSid, stream);
    allStreams.add(stream);
    log.debug("{} - speaker stream {} for {}", logPrefix, trackSid, owner.getIdentity());
    try {
      listener.speakerJoined(stream);
    } catch (RuntimeException e) {
      log.warn("{} - listener.speakerJoined threw; stream {} stays unread", logPrefix, trackSid, e);
    }
  }

  private void endStream(String trackSid, String why) {
    RemoteAudioStream stream = openStreams.remove(trackSid);
    if (stream == null) {
      return;
    }
    stream.end();
    log.debug(
        "{} - speaker stream {} of {} ended: {}", logPrefix, trackSid, stream.identity(), why);
    try {
      listener.speakerLeft(stream);
    } catch (RuntimeException e) {
      log.warn("{} - listener.speakerLeft threw", logPrefix, e);
    }
  }

  @Override
  public void onTrackRemoved(RTCRtpReceiver receiver) {
    String trackSid;
    try {
      trackSid = receiver.getTrack().getId();
    } catch (RuntimeException | Error e) {
      return;
    }
    unmatchedReceivers.remove(trackSid);
    endStream(trackSid, "removed from the peer connection");
  }

  // ---------------------------------------------------------------- peer connection

  @Override
  public void onLocalCandidate(RTCIceCandidate candidate) {
    signal.send(
        SignalRequest.newBuilder()
            .setTrickle(
                LivekitRtc.TrickleRequest.newBuilder()
                    .setCandidateInit(IceCandidateJson.toJson(candidate))
                    .setTarget(SignalTarget.SUBSCRIBER))
            .build());
  }

  @Override
  public void onAnswer(RTCSessionDescription answer, int offerId) {
    signal.send(
        SignalRequest.newBuilder()
            .setAnswer(
                LivekitRtc.SessionDescription.newBuilder()
                    .setType("answer")
                    .setSdp(answer.sdp)
                    .setId(offerId))
            .build());
  }

  @Override
  public void onConnectionState(RTCPeerConnectionState state) {
    subscriberState = state;
    log.debug("{} - subscriber connection {}", logPrefix, state);
    if (state == RTCPeerConnectionState.CONNECTED) {
      resumedForFailedSubscriber = false;
    }
    if (state == RTCPeerConnectionState.FAILED && !tornDown) {
      // When the server ends a participant (a bot with the same identity, a removal, the room
      // closing) it drops the media and says why on the signal socket; the two arrive in either
      // order. Wait a moment for that reason, so a removal ends the session with its cause.
      events.schedule(
          this::resumeIfPeerStillFailed, PEER_FAILURE_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  /**
   * The subscriber connection failed (ICE/DTLS) while joined and the server gave no reason: treat
   * it as a network fault, as LiveKit's SDKs do. Resume first (the server ICE-restarts the
   * subscriber); if the connection failed again, or still has not connected {@link
   * Config#joinTimeout()} after a resume made for it, join again as a new participant. Both count
   * as reconnect attempts under the policy, which fails the session once it gives up.
   */
  private void resumeIfPeerStillFailed() {
    // while resuming or rejoining, the reconnect decides: a rejoin replaces the connection, and a
    // resumed server ICE-restarts it
    if (subscriberState != RTCPeerConnectionState.FAILED || tornDown || phase != Phase.JOINED) {
      return;
    }
    String why = "the subscriber peer connection failed (ICE/DTLS)";
    // a failure again after a resume made for it: that resume never really worked, so it goes on
    // counting attempts (the policy bounds a connection that keeps failing)
    Backoff.Decision next = countAttempt(resumedForFailedSubscriber ? null : upSinceNanos, why);
    if (next == null) {
      return;
    }
    if (resumedForFailedSubscriber) {
      log.warn("{} - {} again after a resume; joining again", logPrefix, why);
      resumedForFailedSubscriber = false;
      rejoin(next.delay());
      return;
    }
    log.warn("{} - {}; resuming", logPrefix, why);
    resumedForFailedSubscriber = true;
    generation++; // the old signal connection's last words are no longer ours
    signal.cancel();
    startResume(3 /* RR_SUBSCRIBER_FAILED */, next.delay());
  }

  /** After a resume made for a failed subscriber: join again if it did not connect meanwhile. */
  private void checkSubscriberAfterResume(long epoch) {
    if (!resumedForFailedSubscriber
        || tornDown
        || phase != Phase.JOINED
        || epoch != resumes.get()
        || subscriberState == RTCPeerConnectionState.CONNECTED) {
      return;
    }
    String why =
        "the subscriber peer connection did not connect within "
            + config.joinTimeout().toMillis()
            + " ms of the resume";
    Backoff.Decision next = countAttempt(null, why); // the resume did not bring it back
    if (next == null) {
      return;
    }
    log.warn("{} - {}; joining again", logPrefix, why);
    resumedForFailedSubscriber = false;
    rejoin(next.delay());
  }

  @Override
  public void onNegotiationFailed(String what) {
    fail(new LiveKitRoomException("subscriber negotiation failed: " + what, null, null));
  }

  // ---------------------------------------------------------------- publisher connection

  private final PublisherTransport.Callbacks publisherCallbacks =
      new PublisherTransport.Callbacks() {
        @Override
        public void onPublisherCandidate(RTCIceCandidate candidate) {
          signal.send(
              SignalRequest.newBuilder()
                  .setTrickle(
                      LivekitRtc.TrickleRequest.newBuilder()
                          .setCandidateInit(IceCandidateJson.toJson(candidate))
                          .setTarget(SignalTarget.PUBLISHER))
                  .build());
        }

        @Override
        public void onPublisherOffer(RTCSessionDescription offer, int offerId) {
          signal.send(
              SignalRequest.newBuilder()
                  .setOffer(
                      LivekitRtc.SessionDescription.newBuilder()
                          .setType("offer")
                          .setSdp(offer.sdp)
                          .setId(offerId))
                  .build());
        }

        @Override
        public void onPublisherState(RTCPeerConnectionState state) {
          log.debug("{} - publisher connection {}", logPrefix, state);
          publisherStateChanged(state);
        }

        @Override
        public void onPublisherNegotiationFailed(String what) {
          log.warn("{} - publisher negotiation failed: {}", logPrefix, what);
          publisherStateChanged(RTCPeerConnectionState.FAILED);
        }
      };

  /** Event thread: the publisher connection's state changed (speech waits for CONNECTED). */
  private void publisherStateChanged(RTCPeerConnectionState state) {
    if (state == RTCPeerConnectionState.CONNECTED) {
      checkSpeechReady();
    } else if (state == RTCPeerConnectionState.FAILED) {
      CompletableFuture<String> r = speechReady;
      if (r != null && !r.isDone()) {
        speechReady = null;
        r.completeExceptionally(
            new ConnectionException(
                logPrefix + " - the publisher peer connection failed (ICE/DTLS)",
                new IOException("publisher connection state FAILED")));
      }
    }
  }

  private void closePublisher() {
    PublisherTransport pub = publisher;
    if (pub != null) {
      pub.close();
    }
    publisher = null;
    disposeSpeechTrack();
    CompletableFuture<String> r = speechReady;
    if (r != null && !r.isDone()) {
      r.completeExceptionally(
          new LiveKitRoomException(
              tornDown ? "the room is closed" : "the bot is joining the room again", null, null));
    }
    speechReady = null;
    speechTrackSid = null;
    speechPublished = null;
    speechCid = null;
    speechSubscribed = false;
  }

  // ---------------------------------------------------------------- the bot's audio track

  /** How long the server has to answer an AddTrackRequest (as LiveKit's Rust SDK). */
  static final Duration TRACK_PUBLISH_TIMEOUT = Duration.ofSeconds(10);

  /**
   * How long the first utterance after the track is published waits for someone to subscribe to it
   * (the server's {@code track_subscribed}).
   */
  static final Duration FIRST_SUBSCRIBER_WAIT = Duration.ofSeconds(2);

  /** Opus bitrate cap of the bot's track: LiveKit's "speech" preset. */
  static final int SPEECH_MAX_BITRATE_BPS = 24_000;

  // event-thread state of the bot's track
  private @Nullable CompletableFuture<String> speechReady;
  private @Nullable CustomAudioSource speechSource;

  /** The server's answer to the bot's track, sent back in a resume's {@code SyncState}. */
  private LivekitRtc.@Nullable TrackPublishedResponse speechPublished;

  private @Nullable String speechCid;
  private volatile @Nullable String speechTrackSid;
  private @Nullable AudioTrack speechAudioTrack;

  /**
   * The bot's native audio tracks created and not yet disposed, across all sessions in this JVM
   * (tests: at most one per speaking room, none once it is closed, one again after a rejoin).
   */
  static final java.util.concurrent.atomic.AtomicInteger LIVE_SPEECH_TRACKS =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * Releases the current publication's track (event thread): on a rejoin, which publishes a new
   * track on a new connection, and on close. The audio source it wraps stays with the speech track.
   */
  private void disposeSpeechTrack() {
    AudioTrack t = speechAudioTrack;
    speechAudioTrack = null;
    if (t == null) {
      return;
    }
    LIVE_SPEECH_TRACKS.decrementAndGet();
    try {
      t.dispose();
    } catch (RuntimeException | Error e) {
      log.debug("{} - the bot's audio track could not be disposed: {}", logPrefix, e.toString());
    }
  }

  private boolean speechSubscribed;
  private long speechConnectedNanos;
  private int speechPublications;
  private volatile String selfIdentity = "";

  /** The bot's identity as the server knows it (empty before the join). */
  String selfIdentity() {
    return selfIdentity;
  }

  /** The bot's own audio track SID, once published. */
  @Nullable String speechTrackSid() {
    return speechTrackSid;
  }

  long sourceStartNanos() {
    return sourceStartNanos;
  }

  /**
   * Completes with the track SID once audio pushed into {@code source} reaches the room: the track
   * is published ({@code AddTrackRequest} answered by {@code TrackPublishedResponse} within {@link
   * #TRACK_PUBLISH_TIMEOUT}), on the publisher connection, which is connected, and someone
   * subscribed (or nobody did within {@link #FIRST_SUBSCRIBER_WAIT}). Any thread.
   */
  CompletableFuture<String> speechReady(CustomAudioSource source) {
    CompletableFuture<String> f = new CompletableFuture<>();
    try {
      events.execute(() -> speechReadyOnEvents(source, f));
    } catch (RejectedExecutionException e) {
      f.completeExceptionally(new LiveKitRoomException("the room is closed", null, null));
    }
    return f;
  }

  private void speechReadyOnEvents(CustomAudioSource source, CompletableFuture<String> f) {
    if (tornDown) {
      f.completeExceptionally(new LiveKitRoomException("the room is closed", null, null));
      return;
    }
    if (phase == Phase.CONNECTING) {
      joined.whenComplete(
          (j, e) -> {
            if (e != null) {
              f.completeExceptionally(e);
            } else {
              post(() -> speechReadyOnEvents(source, f));
            }
          });
      return;
    }
    PublisherTransport pub = publisher;
    if (phase != Phase.JOINED || pub == null) {
      // resuming or rejoining: look again shortly (the caller's wait is bounded)
      events.schedule(() -> speechReadyOnEvents(source, f), 100, TimeUnit.MILLISECONDS);
      return;
    }
    CompletableFuture<String> r = speechReady;
    if (r == null || r.isCompletedExceptionally()) {
      r = publishSpeech(source);
    }
    r.whenComplete(
        (sid, e) -> {
          if (e != null) {
            f.completeExceptionally(e);
          } else {
            f.complete(sid);
          }
        });
  }

  private void post(Runnable r) {
    try {
      events.execute(r);
    } catch (RejectedExecutionException e) {
      log.trace("{} - room closed, dropping a task", logPrefix);
    }
  }

  /** Sends the AddTrackRequest for the bot's track (event thread). */
  private CompletableFuture<String> publishSpeech(CustomAudioSource source) {
    CompletableFuture<String> r = new CompletableFuture<>();
    speechReady = r;
    speechSource = source;
    speechSubscribed = false;
    speechTrackSid = null;
    String cid = "audio-pipeline-speech-" + (++speechPublications);
    speechCid = cid;
    try {
      disposeSpeechTrack(); // an earlier publication's track that never went out
      speechAudioTrack = WebRtcFactories.sending().createAudioTrack(cid, source);
      LIVE_SPEECH_TRACKS.incrementAndGet();
    } catch (RuntimeException e) {
      r.completeExceptionally(
          new AudioPipelineException("cannot create the bot's audio track: " + e, e));
      return r;
    }
    signal.send(
        SignalRequest.newBuilder()
            .setAddTrack(
                LivekitRtc.AddTrackRequest.newBuilder()
                    .setCid(cid)
                    .setName("speech")
                    .setType(TrackType.AUDIO)
                    .setSource(livekit.LivekitModels.TrackSource.MICROPHONE)
                    .setMuted(false)) // DTX on: no TF_NO_DTX feature
            .build());
    log.debug("{} - publishing the bot's audio track {}", logPrefix, cid);
    events.schedule(
        () -> {
          if (speechReady == r && !r.isDone() && speechTrackSid == null) {
            speechReady = null;
            r.completeExceptionally(
                new LiveKitRoomException(
                    "the server did not confirm the bot's audio track within "
                        + TRACK_PUBLISH_TIMEOUT.toSeconds()
                        + " s (no TrackPublishedResponse to its AddTrackRequest)",
                    null,
                    null));
          }
        },
        TRACK_PUBLISH_TIMEOUT.toMillis(),
        TimeUnit.MILLISECONDS);
    return r;
  }

  private void speechTrackPublished(LivekitRtc.TrackPublishedResponse published) {
    CompletableFuture<String> r = speechReady;
    AudioTrack track = speechAudioTrack;
    PublisherTransport pub = publisher;
    if (r == null
        || r.isDone()
        || track == null
        || pub == null
        || !published.getCid().equals(speechCid)) {
      log.debug("{} - ignoring track_published for {}", logPrefix, published.getCid());
      return;
    }
    String sid = published.getTrack().getSid();
    speechTrackSid = sid;
    speechPublished = published;
    pub.addAudioTrack(track, "audio-pipeline-speech", SPEECH_MAX_BITRATE_BPS);
    pub.negotiate(false);
    log.debug("{} - bot's audio track published as {}", logPrefix, sid);
    speechConnectedNanos = 0;
    checkSpeechReady();
    events.schedule(
        () -> {
          if (speechReady == r && !r.isDone()) {
            speechReady = null;
            r.completeExceptionally(
                new ConnectionException(
                    logPrefix
                        + " - the publisher connection did not connect within "
                        + config.joinTimeout().toMillis()
                        + " ms",
                    new IOException("publisher connection " + pub.state())));
          }
        },
        config.joinTimeout().toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /** Completes the pending publication once connected and subscribed (or waited enough). */
  private void checkSpeechReady() {
    CompletableFuture<String> r = speechReady;
    PublisherTransport pub = publisher;
    String sid = speechTrackSid;
    if (r == null || r.isDone() || pub == null || sid == null) {
      return;
    }
    if (pub.state() != RTCPeerConnectionState.CONNECTED) {
      return;
    }
    long now = System.nanoTime();
    if (speechConnectedNanos == 0) {
      speechConnectedNanos = now;
      if (!speechSubscribed) {
        events.schedule(
            this::checkSpeechReady, FIRST_SUBSCRIBER_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    }
    // Wait for the server's track_subscribed (a subscriber's down track is bound, so the first
    // words reach it) even when no other participant is known yet: one may be joining right now.
    if (speechSubscribed
        || now - speechConnectedNanos >= FIRST_SUBSCRIBER_WAIT.toNanos() - 1_000_000) {
      log.debug(
          "{} - bot's track ready ({})",
          logPrefix,
          speechSubscribed ? "subscribed" : "no subscriber yet");
      r.complete(sid);
    }
  }

  /**
   * Reports a transcript that did not come from a recogniser (the bot's own speech) to the
   * listener; any thread. Dropped once the source has ended.
   */
  void reportTranscript(Transcript t) {
    if (reportedEnd) {
      return;
    }
    try {
      listener.transcript(t);
    } catch (RuntimeException e) {
      log.warn("{} - listener.transcript threw", logPrefix, e);
    }
  }

  /** WebRTC's outbound-rtp audio statistics of the publisher connection. */
  CompletableFuture<Map<String, Map<String, Object>>> outboundAudioStats() {
    CompletableFuture<Map<String, Map<String, Object>>> f = new CompletableFuture<>();
    try {
      events.execute(
          () -> {
            PublisherTransport pub = publisher;
            if (pub == null) {
              f.complete(Map.of());
            } else {
              pub.outboundAudioStats(f::complete);
            }
          });
    } catch (RejectedExecutionException e) {
      f.complete(Map.of());
    }
    return f;
  }

  /**
   * Sends a LiveKit {@code DataPacket} on the publisher's reliable channel, from any thread: stamps
   * this participant's SID and the next reliable sequence number (strictly increasing in the order
   * the packets are queued, hence sent), and queues it. Never blocks; see {@link
   * PublisherTransport} for the bound.
   *
   * @return {@code false} if the bot is not joined (no publisher connection) or the reliable queue
   *     is full ({@link PublisherTransport#MAX_PENDING_BYTES}); the packet was not queued
   */
  boolean sendReliable(livekit.LivekitModels.DataPacket.Builder packet) {
    synchronized (reliableLock) {
      PublisherTransport pub = publisher;
      if (pub == null || tornDown) {
        return false;
      }
      int seq = reliableSequence + 1;
      byte[] bytes = packet.setParticipantSid(selfSid).setSequence(seq).build().toByteArray();
      if (!pub.sendReliable(bytes)) {
        return false;
      }
      reliableSequence = seq;
      return true;
    }
  }

  // ---------------------------------------------------------------- ending

  private void fail(AudioPipelineException error) {
    if (tornDown) {
      return;
    }
    phase = Phase.CLOSED;
    log.debug("{} - failing: {}", logPrefix, error.getMessage());
    joined.completeExceptionally(error);
    teardown(true);
    if (!reportedEnd) {
      reportedEnd = true;
      try {
        listener.sourceFailed(error);
      } catch (RuntimeException e) {
        log.warn("{} - listener.sourceFailed threw", logPrefix, e);
      }
    }
  }

  private void reportEnded() {
    if (!reportedEnd) {
      reportedEnd = true;
      try {
        listener.sourceEnded();
      } catch (RuntimeException e) {
        log.warn("{} - listener.sourceEnded threw", logPrefix, e);
      }
    }
  }

  /** Leaves (if asked), ends every stream, closes the peer connection and the signal socket. */
  private void teardown(boolean sendLeave) {
    if (tornDown) {
      return;
    }
    tornDown = true;
    phase = Phase.CLOSED;
    ScheduledFuture<?> p = pinger;
    if (p != null) {
      p.cancel(false);
    }
    if (sendLeave) {
      signal.send(
          SignalRequest.newBuilder()
              .setLeave(
                  LeaveRequest.newBuilder()
                      .setReason(DisconnectReason.CLIENT_INITIATED)
                      .setAction(LeaveRequest.Action.DISCONNECT))
              .build());
    }
    for (String trackSid : new ArrayList<>(openStreams.keySet())) {
      endStream(trackSid, "room closed");
    }
    endAllDetached("room closed");
    SubscriberTransport sub = subscriber;
    if (sub != null) {
      sub.close();
    }
    closePublisher();
    signal.close("bot leaving");
  }

  /** Leaves the room and stops this session's threads; bounded wait. */
  void close(Duration timeout) {
    if (Thread.currentThread() == eventThread) {
      // called from one of our own callbacks (e.g. a listener closing the source): no waiting on
      // ourselves; the leave and the close frame still go out on OkHttp's writer
      boolean wasTornDown = tornDown;
      teardown(true);
      if (!wasTornDown) {
        log.info("{} - left the room", logPrefix);
      }
      reportEnded();
      events.shutdown();
      if (ownsHttp) {
        http.dispatcher().executorService().shutdown();
      }
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean interrupted = false;
    try {
      Future<?> done =
          events.submit(
              () -> {
                boolean wasTornDown = tornDown;
                teardown(true);
                if (!wasTornDown) {
                  log.info("{} - left the room", logPrefix);
                }
                reportEnded();
              });
      done.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
      log.debug("{} - teardown did not finish cleanly: {}", logPrefix, e.toString());
    } catch (InterruptedException e) {
      interrupted = true;
    }
    try {
      // the leave and the close frame go out before the socket is dropped
      if (!signalTerminated.await(
          Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        signal.cancel();
      }
    } catch (InterruptedException e) {
      interrupted = true;
      signal.cancel();
    }
    events.shutdownNow();
    try {
      if (!events.awaitTermination(
          Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        log.warn("{} - event thread did not stop in time", logPrefix);
      }
    } catch (InterruptedException e) {
      interrupted = true;
    }
    if (ownsHttp) {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
