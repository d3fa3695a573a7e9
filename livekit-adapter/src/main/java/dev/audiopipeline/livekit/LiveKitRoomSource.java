package dev.audiopipeline.livekit;

import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.Transcript;
import dev.audiopipeline.TranscriptionSession;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsProvider;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.audio.AudioSource;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.spi.Secrets;
import dev.onvoid.webrtc.media.audio.CustomAudioSource;
import io.livekit.server.AccessToken;
import io.livekit.server.Agent;
import io.livekit.server.CanPublish;
import io.livekit.server.CanPublishData;
import io.livekit.server.CanSubscribe;
import io.livekit.server.RoomJoin;
import io.livekit.server.RoomName;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import livekit.LivekitModels.DataPacket;
import livekit.LivekitRtc.JoinResponse;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * A LiveKit room as an {@link AudioSource}: the bot joins the room, subscribes to every
 * participant's audio, and turns each audio track into a {@link dev.audiopipeline.SpeakerStream}
 * whose identity is the publishing participant's identity (label it with a {@link
 * dev.audiopipeline.SpeakerMap}). Participants joining, leaving, muting and republishing are
 * normal: streams open and close, identities stay right.
 *
 * <pre>{@code
 * LiveKitRoomSource room = LiveKitRoomSource.builder()
 *     .url("wss://my-project.livekit.cloud")
 *     .apiKey(key).apiSecret(secret)       // or .token(jwt)
 *     .room("interview-42")
 *     .build();
 * TranscriptionSession session = AudioPipeline.builder().stt(provider).build()
 *     .startTranscription(room);
 * }</pre>
 *
 * <p><b>Threads.</b> Each started source owns one named event thread ({@code
 * audio-pipeline-livekit-<room>-events}) and, unless you pass your own {@link OkHttpClient}, an
 * OkHttp dispatcher whose threads are named {@code audio-pipeline-livekit-<room>-http-N}; {@link
 * #close()} stops both. Audio arrives on WebRTC's audio thread, which is shared by every room in
 * the process and lives as long as the JVM (see the module README on webrtc-java's native leaks).
 *
 * <p><b>Speaking.</b> {@link #speak(TtsProvider, String)} says text into the room on the bot's own
 * audio track, paced in real time on one named thread ({@code
 * audio-pipeline-livekit-<room>-speech}) that is parked between utterances; the returned {@link
 * Utterance} cancels, pauses and reports what was played, and the played text joins the transcript
 * as the bot's line ({@link #speakerLabel()}).
 *
 * <p><b>Protocol.</b> LiveKit signal protocol 17 on {@code /rtc} with two peer connections: the
 * subscriber connection (the server offers) and the publisher connection (the bot offers; its data
 * channels and the bot's audio track), negotiated when first needed.
 */
public final class LiveKitRoomSource implements AudioSource {
  /** The identity the bot joins with unless told otherwise. */
  public static final String DEFAULT_IDENTITY = "audio-pipeline-bot";

  /**
   * How a lost signal connection is retried unless {@link Builder#reconnectPolicy} says otherwise,
   * as LiveKit's own SDKs do it: the first attempt at once, then 300 ms doubling to 7 s with ±30 %
   * jitter, 10 attempts at most, the count starting over after every successful resume or rejoin
   * (stable period 0). No quick-failure breaker: a server that keeps closing the connection because
   * another client took the identity over is recognised as {@code DUPLICATE_IDENTITY} instead.
   */
  public static final ReconnectPolicy DEFAULT_RECONNECT_POLICY =
      ReconnectPolicy.builder()
          .immediateFirstAttempt(true)
          .initialDelay(Duration.ofMillis(300))
          .maxDelay(Duration.ofSeconds(7))
          .jitter(0.3)
          .maxAttempts(10)
          .stablePeriod(Duration.ZERO)
          .quickFailureLimit(0)
          .build();

  static final int PROTOCOL_VERSION = 17;
  static final String SDK_VERSION = "0.1.0";

  private final HttpUrl signalUrl;
  private final String token;
  private final @Nullable String room;
  private final String identity;
  private final Duration joinTimeout;
  private final Duration closeTimeout;
  private final @Nullable OkHttpClient httpClient;
  private final ReconnectPolicy reconnectPolicy;
  private final boolean captions;
  private final @Nullable String speakerLabel;
  private final Map<String, java.util.function.Consumer<ReceivedText>> textHandlers;
  private final Object speechLock = new Object();
  private @Nullable SpeechTrack speech;
  private @Nullable SpeechRoom speechRoom;
  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(LiveKitRoomSource.class);

  /**
   * Native audio sources of the bots' speech handed to a room and not yet disposed, across all
   * sources in this JVM (tests: one per speaking room while it is open, none once closed).
   */
  static final AtomicInteger LIVE_SPEECH_SOURCES = new AtomicInteger();

  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final CompletableFuture<Void> joined = new CompletableFuture<>();
  private volatile @Nullable RoomSession session;
  private final AtomicReference<@Nullable CaptionPublisher> captionPublisher =
      new AtomicReference<>();

  private LiveKitRoomSource(Builder b, HttpUrl signalUrl, String token) {
    this.signalUrl = signalUrl;
    this.token = token;
    this.room = b.room;
    this.identity = b.identity;
    this.joinTimeout = b.joinTimeout;
    this.closeTimeout = b.closeTimeout;
    this.httpClient = b.httpClient;
    this.reconnectPolicy = b.reconnectPolicy;
    this.captions = b.captions;
    this.speakerLabel = b.speakerLabel;
    this.textHandlers = Map.copyOf(b.textHandlers);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder filled from the environment: {@code LIVEKIT_URL}, and either {@code LIVEKIT_TOKEN} or
   * {@code LIVEKIT_API_KEY} + {@code LIVEKIT_API_SECRET} + {@code LIVEKIT_ROOM}; {@code
   * LIVEKIT_IDENTITY} optionally sets the bot's identity.
   */
  public static Builder fromEnv() {
    return fromEnv(System.getenv());
  }

  /** {@link #fromEnv()} reading from {@code env} instead of the process environment. */
  public static Builder fromEnv(Map<String, String> env) {
    Objects.requireNonNull(env, "env == null");
    Builder b = new Builder();
    String url = env.get("LIVEKIT_URL");
    if (url != null && !url.isBlank()) {
      b.url(url);
    }
    String t = env.get("LIVEKIT_TOKEN");
    if (t != null && !t.isBlank()) {
      b.token(Secrets.checkCredential("LIVEKIT_TOKEN", t));
    }
    String key = env.get("LIVEKIT_API_KEY");
    String secret = env.get("LIVEKIT_API_SECRET");
    if (t == null || t.isBlank()) {
      if (key != null && !key.isBlank()) {
        b.apiKey(Secrets.checkCredential("LIVEKIT_API_KEY", key));
      }
      if (secret != null && !secret.isBlank()) {
        b.apiSecret(Secrets.checkCredential("LIVEKIT_API_SECRET", secret));
      }
    }
    String r = env.get("LIVEKIT_ROOM");
    if (r != null && !r.isBlank()) {
      b.room(r);
    }
    String id = env.get("LIVEKIT_IDENTITY");
    if (id != null && !id.isBlank()) {
      b.identity(id);
    }
    return b;
  }

  @Override
  public void start(Listener listener) {
    Objects.requireNonNull(listener, "listener == null");
    if (closed.get()) {
      throw new IllegalStateException("source is closed");
    }
    if (!started.compareAndSet(false, true)) {
      throw new IllegalStateException("source already started");
    }
    String roomTag = room == null ? "room" : room;
    RoomConfig config =
        new RoomConfig(
            signalUrl,
            token,
            "livekit[" + roomTag + "/" + identity + "]",
            threadTag(roomTag),
            joinTimeout,
            httpClient,
            reconnectPolicy);
    RoomSession s = new RoomSession(config, new SpeechStoppingListener(listener));
    s.textStreams(new TextStreams(config.logPrefix(), textHandlers));
    session = s;
    s.joined()
        .whenComplete(
            (join, error) -> {
              if (error != null) {
                joined.completeExceptionally(error);
              } else {
                joined.complete(null);
              }
            });
    s.start();
  }

  /**
   * Completes when the server has accepted the bot into the room (the join response arrived), or
   * exceptionally with the {@link dev.audiopipeline.AudioPipelineException} that ended the attempt.
   */
  public CompletionStage<Void> joined() {
    return joined.copy();
  }

  /** Delivery counters of every audio track subscribed so far, including ended ones. */
  public List<TrackStats> trackStats() {
    RoomSession s = session;
    return s == null ? List.of() : s.trackStats();
  }

  /** How often the signal connection was resumed (the peer connection and streams kept). */
  public int resumeCount() {
    RoomSession s = session;
    return s == null ? 0 : s.resumeCount();
  }

  /** How often the bot had to join again as a new participant (streams ended and reopened). */
  public int rejoinCount() {
    RoomSession s = session;
    return s == null ? 0 : s.rejoinCount();
  }

  /**
   * WebRTC's inbound-rtp statistics of every subscribed audio track, keyed by track SID (packets,
   * jitter buffer delay, concealed and time-stretched samples), for diagnostics. Empty before the
   * join and after close.
   */
  public CompletionStage<Map<String, Map<String, Object>>> inboundAudioStats() {
    RoomSession s = session;
    return s == null ? CompletableFuture.completedFuture(Map.of()) : s.inboundAudioStats();
  }

  /** Identities of the other participants currently in the room. */
  public Set<String> remoteIdentities() {
    RoomSession s = session;
    return s == null ? Set.of() : s.remoteIdentities();
  }

  // ---------------------------------------------------------------- speaking

  /**
   * Says {@code text} into the room with {@code tts}: synthesised, converted to 48 kHz mono, and
   * sent in real time on the bot's audio track (published on first use). Returns at once.
   *
   * <p>Utterances play one at a time in the order they were asked for (a queue of at most 16
   * waiting); use {@link Utterance#cancel()} or {@link #stopSpeaking()} to interrupt. What was
   * actually played appears in the transcript as the bot's line, labelled {@link #speakerLabel()}.
   *
   * @throws IllegalStateException if the source has not been started (start a transcription session
   *     on it first) or is closed, or 16 utterances are already waiting
   * @throws IllegalArgumentException if {@code text} is blank
   */
  public Utterance speak(TtsProvider tts, String text) {
    return speak(tts, TtsRequest.of(text));
  }

  /** {@link #speak(TtsProvider, String)} with a full request (voice, surrounding text). */
  public Utterance speak(TtsProvider tts, TtsRequest request) {
    Objects.requireNonNull(tts, "tts == null");
    Objects.requireNonNull(request, "request == null");
    return speechTrack().speak(request.text(), () -> tts.synthesize(request), tts.name());
  }

  /**
   * Says ready-made audio into the room: chunks in any format core's converter accepts (converted
   * to 48 kHz mono), subscribed to when the utterance's turn comes, paced in real time. {@code
   * text} is what the audio says, for the transcript (and for cutting it when cancelled, in
   * proportion to the audio played unless the chunks carry character timings).
   *
   * @throws IllegalStateException as {@link #speak(TtsProvider, String)}
   * @throws IllegalArgumentException if {@code text} is blank
   */
  public Utterance speak(Flow.Publisher<TtsChunk> audio, String text) {
    Objects.requireNonNull(audio, "audio == null");
    Objects.requireNonNull(text, "text == null");
    if (text.isBlank()) {
      throw new IllegalArgumentException("text is blank: give what the audio says");
    }
    return speechTrack().speak(text, () -> audio, "audio");
  }

  /** Whether an utterance is playing or waiting. */
  public boolean isSpeaking() {
    SpeechTrack t;
    synchronized (speechLock) {
      t = speech;
    }
    return t != null && t.isSpeaking();
  }

  /** Cancels the utterance playing (its audio stops within one 10 ms frame) and all waiting. */
  public void stopSpeaking() {
    SpeechTrack t;
    synchronized (speechLock) {
      t = speech;
    }
    if (t != null) {
      t.stopAll();
    }
  }

  /**
   * The speaker label of the bot's own lines in the transcript: {@link Builder#speakerLabel} or, by
   * default, the bot's identity (the server's, once joined).
   */
  public String speakerLabel() {
    if (speakerLabel != null) {
      return speakerLabel;
    }
    RoomSession s = session;
    String joinedAs = s == null ? "" : s.selfIdentity();
    return joinedAs.isEmpty() ? identity : joinedAs;
  }

  /** Frames of 10 ms pushed into the bot's track so far (for tests and diagnostics). */
  long speechFramesPushed() {
    SpeechTrack t;
    synchronized (speechLock) {
      t = speech;
    }
    return t == null ? 0 : t.framesPushed();
  }

  /** How often the TTS fell behind real time mid-utterance (each a gap in the audio). */
  long speechUnderruns() {
    SpeechTrack t;
    synchronized (speechLock) {
      t = speech;
    }
    return t == null ? 0 : t.underruns();
  }

  /** The speech pacing thread, if speaking ever started (tests sample its CPU time). */
  @Nullable Thread speechThread() {
    SpeechTrack t;
    synchronized (speechLock) {
      t = speech;
    }
    return t == null ? null : t.pacer();
  }

  /** The running session (package-private: the adapter's own features and tests). */
  @Nullable RoomSession session() {
    return session;
  }

  /** The bot's track SID once published. */
  @Nullable String speechTrackSid() {
    RoomSession s = session;
    return s == null ? null : s.speechTrackSid();
  }

  /** The SID of the track feeding speaker stream {@code streamId} now (changes on a rejoin). */
  @Nullable String currentTrackSidOf(String streamId) {
    RoomSession s = session;
    return s == null ? null : s.currentTrackSidOf(streamId);
  }

  /** WebRTC's outbound-rtp statistics of the bot's track (packets and bytes sent). */
  CompletionStage<Map<String, Map<String, Object>>> outboundAudioStats() {
    RoomSession s = session;
    return s == null ? CompletableFuture.completedFuture(Map.of()) : s.outboundAudioStats();
  }

  private SpeechTrack speechTrack() {
    RoomSession s = session;
    if (s == null) {
      throw new IllegalStateException(
          "the source is not started: start a transcription session on it (or start(listener))"
              + " before speaking");
    }
    synchronized (speechLock) {
      if (closed.get()) {
        throw new IllegalStateException("the source is closed: the bot cannot speak any more");
      }
      SpeechTrack t = speech;
      if (t == null) {
        SpeechRoom r = new SpeechRoom(s);
        t =
            new SpeechTrack(
                "livekit[" + (room == null ? "room" : room) + "/" + identity + "]",
                threadTag(room == null ? "room" : room),
                r,
                joinTimeout.toNanos() + RoomSession.TRACK_PUBLISH_TIMEOUT.toNanos() * 2);
        speech = t;
        speechRoom = r;
      }
      return t;
    }
  }

  /**
   * Stops the bot's speech, then disposes its native audio source once the pacing thread that
   * pushes into it has ended (a source still pushed into is left alone, logged: a leak, not a
   * crash). The source lives as long as the speech track, across rejoins (each new publication
   * wraps the same source in a new track).
   */
  private void closeSpeech(@Nullable AudioPipelineException error) {
    SpeechTrack t;
    SpeechRoom r;
    synchronized (speechLock) {
      t = speech;
      r = speechRoom;
    }
    if (t == null) {
      return;
    }
    t.close(error);
    if (r == null) {
      return;
    }
    Thread pacer = t.pacer();
    if (pacer.isAlive()) {
      log.warn(
          "livekit[{}/{}] the speech thread did not stop; its audio source is not disposed",
          room,
          identity);
      return;
    }
    r.disposeSource();
  }

  /** The speech track's view of the room: publication, and the bot's lines as transcripts. */
  private final class SpeechRoom implements SpeechTrack.Room {
    private final RoomSession session;
    private final AtomicLong segments = new AtomicLong();
    private @Nullable CustomAudioSource source; // guarded by this
    private boolean disposed; // guarded by this

    SpeechRoom(RoomSession session) {
      this.session = session;
    }

    @Override
    public CompletableFuture<String> ready(CustomAudioSource source) {
      synchronized (this) {
        if (disposed) {
          return CompletableFuture.failedFuture(
              new IllegalStateException("the source is closed: the bot cannot speak any more"));
        }
        if (this.source == null) {
          this.source = source;
          LIVE_SPEECH_SOURCES.incrementAndGet();
        }
      }
      return session.speechReady(source);
    }

    /** Disposes the native audio source (its pacing thread has ended); idempotent. */
    synchronized void disposeSource() {
      disposed = true;
      CustomAudioSource s = source;
      source = null;
      if (s != null) {
        try {
          s.dispose();
        } catch (RuntimeException | Error e) {
          log.debug("the speech audio source could not be disposed: {}", e.toString());
        }
        LIVE_SPEECH_SOURCES.decrementAndGet();
      }
    }

    @Override
    public void spoken(
        Utterance u,
        String playedText,
        String trackSid,
        long startNanos,
        long endNanos,
        String provider) {
      long origin = session.sourceStartNanos();
      long startMs = Math.max(0, (startNanos - origin) / 1_000_000);
      long endMs = Math.max(startMs, (endNanos - origin) / 1_000_000);
      String self = session.selfIdentity();
      session.reportTranscript(
          new Transcript(
              speakerLabel(),
              self.isEmpty() ? identity : self,
              playedText,
              startMs,
              endMs,
              true,
              null,
              null,
              List.of(),
              trackSid + "/" + segments.incrementAndGet(),
              provider));
    }
  }

  /** Ends the bot's speech when the room ends or fails, then tells the pipeline. */
  private final class SpeechStoppingListener implements Listener {
    private final Listener inner;

    SpeechStoppingListener(Listener inner) {
      this.inner = inner;
    }

    @Override
    public void speakerJoined(dev.audiopipeline.SpeakerStream stream) {
      inner.speakerJoined(stream);
    }

    @Override
    public void speakerLeft(dev.audiopipeline.SpeakerStream stream) {
      inner.speakerLeft(stream);
    }

    @Override
    public void sourceEnded() {
      closeSpeech(null);
      inner.sourceEnded();
    }

    @Override
    public void sourceFailed(AudioPipelineException error) {
      closeSpeech(error);
      inner.sourceFailed(error);
    }

    @Override
    public void transcript(Transcript transcript) {
      inner.transcript(transcript);
    }

    // a default method too: a wrapper that does not forward it hides the reconnect events
    @Override
    public void sourceConnection(
        dev.audiopipeline.PipelineEvent.SourceConnection.State state, int attempt, String detail) {
      inner.sourceConnection(state, attempt, detail);
    }
  }

  /** The room named in the builder, if any (a ready-made token carries its own room). */
  public @Nullable String room() {
    return room;
  }

  /** The bot's identity as configured (with a ready-made token, the token's identity applies). */
  public String identity() {
    return identity;
  }

  /** How a lost signal connection is retried. */
  public ReconnectPolicy reconnectPolicy() {
    return reconnectPolicy;
  }

  /** Whether transcripts are published into the room as captions ({@link Builder#captions}). */
  public boolean captions() {
    return captions;
  }

  /**
   * Publishes {@code session}'s transcripts into this room as live captions: LiveKit text streams
   * on topic {@code lk.transcription}, each speaker's under that speaker's identity and track SID,
   * every partial and final a new short stream with the segment's full text (see the module README,
   * "Captions"). {@link LiveKitTranscriber} calls this itself when captions are on; call it when
   * you build the pipeline yourself, with the session transcribing this source. Subscribes to
   * {@link TranscriptionSession#events()}, which starts the session if it has not started. Captions
   * stop when the session ends or this source is closed.
   *
   * @throws IllegalStateException if captions are off on the builder (the token's grants are
   *     checked there), or this source already publishes captions
   */
  public void publishCaptions(TranscriptionSession transcripts) {
    Objects.requireNonNull(transcripts, "transcripts == null");
    if (!captions) {
      throw new IllegalStateException(
          "captions are off for this room source: enable them with"
              + " LiveKitRoomSource.builder().captions(true)");
    }
    if (closed.get()) {
      throw new IllegalStateException("source is closed");
    }
    String roomTag = room == null ? "room" : room;
    CaptionPublisher p =
        new CaptionPublisher(
            "livekit[" + roomTag + "/" + identity + "]",
            threadTag(roomTag),
            this::sendCaptionPacket,
            this::joinedIdentity,
            this::speechTrackSid,
            this::currentTrackSidOf,
            CaptionPublisher.DEFAULT_CAPACITY);
    if (!captionPublisher.compareAndSet(null, p)) {
      p.close();
      throw new IllegalStateException("this room source already publishes captions");
    }
    if (closed.get()) { // closed meanwhile: close() may have missed the publisher
      p.close();
      return;
    }
    transcripts.events().subscribe(p);
  }

  /** The caption publisher, if {@link #publishCaptions} was called (for the bot's own lines). */
  @Nullable CaptionPublisher captionPublisher() {
    return captionPublisher.get();
  }

  private boolean sendCaptionPacket(DataPacket.Builder packet) {
    RoomSession s = session;
    return s != null && s.sendReliable(packet);
  }

  /** The identity the server joined the bot with (a supplied token's own), once joined. */
  private @Nullable String joinedIdentity() {
    RoomSession s = session;
    if (s == null) {
      return null;
    }
    JoinResponse join = s.joined().getNow(null);
    return join == null ? null : join.getParticipant().getIdentity();
  }

  /**
   * Leaves the room (the server sees the bot leave at once), ends every stream, closes the peer
   * connection and stops this source's threads. Waits at most the close timeout. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    CaptionPublisher captioner = captionPublisher.get();
    if (captioner != null) {
      captioner.close();
    }
    closeSpeech(null);
    RoomSession s = session;
    if (s != null) {
      s.close(closeTimeout);
    }
    joined.completeExceptionally(new IllegalStateException("source closed before joining"));
  }

  @Override
  public String toString() {
    return "LiveKitRoomSource{url="
        + signalUrl.newBuilder().encodedPath("/").query(null).build()
        + ", room="
        + room
        + ", identity="
        + identity
        + "}";
  }

  private static String threadTag(String room) {
    String clean = room.replaceAll("[^A-Za-z0-9_.-]", "_");
    return clean.length() > 32 ? clean.substring(0, 32) : clean;
  }

  /** Builds a {@link LiveKitRoomSource}; validated in {@link #build()}. */
  public static final class Builder {
    private @Nullable String url;
    private @Nullable String token;
    private @Nullable String apiKey;
    private @Nullable String apiSecret;
    private @Nullable String room;
    private String identity = DEFAULT_IDENTITY;
    private @Nullable String name;
    private boolean autoSubscribe = true;
    private Duration joinTimeout = Duration.ofSeconds(15);
    private Duration closeTimeout = Duration.ofSeconds(5);
    private Duration tokenTtl = Duration.ofHours(6);
    private @Nullable OkHttpClient httpClient;
    private ReconnectPolicy reconnectPolicy = DEFAULT_RECONNECT_POLICY;
    private boolean captions;
    private @Nullable String speakerLabel;
    private final Map<String, java.util.function.Consumer<ReceivedText>> textHandlers =
        new java.util.LinkedHashMap<>();

    private Builder() {}

    /**
     * The speaker label of the bot's own speech in the transcript, e.g. {@code "interviewer"}
     * (default: the bot's identity).
     */
    public Builder speakerLabel(String label) {
      Objects.requireNonNull(label, "speakerLabel == null");
      if (label.isBlank()) {
        throw new IllegalArgumentException("speakerLabel is blank");
      }
      this.speakerLabel = label;
      return this;
    }

    /** The server: {@code wss://host}, {@code ws://host:7880}, or the http(s) equivalent. */
    public Builder url(String url) {
      this.url = Objects.requireNonNull(url, "url == null");
      return this;
    }

    /**
     * A ready-made access token (JWT) with a room-join grant. Excludes {@link #apiKey}. Never
     * logged; surrounding whitespace is trimmed.
     *
     * @throws IllegalArgumentException if it is empty or contains anything but printable ASCII (a
     *     pasted zero-width space, a line break inside): the message names the character and its
     *     position, never the token
     */
    public Builder token(String token) {
      this.token = Secrets.checkCredential("LiveKit token", token);
      return this;
    }

    /**
     * API key to mint the bot's token with (needs {@link #apiSecret} and {@link #room}); checked
     * like {@link #token}.
     */
    public Builder apiKey(String apiKey) {
      this.apiKey = Secrets.checkCredential("LiveKit apiKey", apiKey);
      return this;
    }

    /** API secret to mint the bot's token with. Never logged; checked like {@link #token}. */
    public Builder apiSecret(String apiSecret) {
      this.apiSecret = Secrets.checkCredential("LiveKit apiSecret", apiSecret);
      return this;
    }

    /** The room to join (required when minting; informational with a ready-made token). */
    public Builder room(String room) {
      this.room = Objects.requireNonNull(room, "room == null");
      return this;
    }

    /** The bot's participant identity when minting (default {@value #DEFAULT_IDENTITY}). */
    public Builder identity(String identity) {
      this.identity = Objects.requireNonNull(identity, "identity == null");
      return this;
    }

    /** The bot's display name when minting (default: its identity). */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name == null");
      return this;
    }

    /**
     * Whether the server subscribes the bot to every track (default true, which is what "transcribe
     * every participant" needs).
     */
    public Builder autoSubscribe(boolean autoSubscribe) {
      this.autoSubscribe = autoSubscribe;
      return this;
    }

    /** How long to wait for the server's join response (default 15 s, accepted 1 s to 5 min). */
    public Builder joinTimeout(Duration timeout) {
      this.joinTimeout = Objects.requireNonNull(timeout, "joinTimeout == null");
      return this;
    }

    /**
     * How long {@code close()} waits for the leave to go out (default 5 s, accepted 0 to 1 min).
     */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = Objects.requireNonNull(timeout, "closeTimeout == null");
      return this;
    }

    /** Validity of a minted token (default 6 h, accepted 1 min to 7 days). */
    public Builder tokenTtl(Duration ttl) {
      this.tokenTtl = Objects.requireNonNull(ttl, "tokenTtl == null");
      return this;
    }

    /** Your OkHttp client for the signal connection (default: one the source creates and stops). */
    public Builder httpClient(OkHttpClient client) {
      this.httpClient = Objects.requireNonNull(client, "httpClient == null");
      return this;
    }

    /**
     * How a lost signal connection is retried (default {@link #DEFAULT_RECONNECT_POLICY}). Each
     * attempt is a resume ({@code reconnect=1}) or, once the server refused one, a fresh join; each
     * is also bounded by {@link #joinTimeout}. When the policy gives up, the source fails with a
     * {@link dev.audiopipeline.ConnectionException}. {@link ReconnectPolicy#none()} fails at the
     * first loss.
     */
    public Builder reconnectPolicy(ReconnectPolicy policy) {
      this.reconnectPolicy = Objects.requireNonNull(policy, "reconnectPolicy == null");
      return this;
    }

    /**
     * Whether to publish every speaker's transcripts into the room as live captions (default
     * false): LiveKit text streams on topic {@code lk.transcription} that LiveKit's frontends show
     * per participant. {@link LiveKitTranscriber} wires them up; with your own pipeline call {@link
     * LiveKitRoomSource#publishCaptions}. A minted token carries what captions need; a supplied
     * {@link #token} is checked in {@link #build()} (payload only, not verified) and refused when
     * it lacks {@code canPublishData} (explicitly false, or {@code canPublish=false} without it:
     * the server would drop every caption) or the agent grant (the server would stamp every caption
     * with the bot's identity).
     */
    public Builder captions(boolean captions) {
      this.captions = captions;
      return this;
    }

    /**
     * Listens to text that other participants send into the room on {@code topic} (LiveKit text
     * streams on the data channels, e.g. captions on {@link ReceivedText#TRANSCRIPTION_TOPIC},
     * which also receives legacy transcription packets). {@code handler} runs on the room's event
     * thread after every chunk and at the end of each stream (see {@link ReceivedText}); it must
     * return quickly and should not throw (an exception is logged and ignored). One handler per
     * topic; a later call for the same topic replaces it.
     *
     * @throws IllegalArgumentException if {@code topic} is blank
     */
    public Builder onText(String topic, java.util.function.Consumer<ReceivedText> handler) {
      Objects.requireNonNull(topic, "topic == null");
      Objects.requireNonNull(handler, "handler == null");
      if (topic.isBlank()) {
        throw new IllegalArgumentException("topic is blank: e.g. lk.transcription");
      }
      textHandlers.put(topic, handler);
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalStateException naming what is missing or conflicting
     * @throws IllegalArgumentException naming the value that is out of range
     */
    public LiveKitRoomSource build() {
      if (url == null || url.isBlank()) {
        throw new IllegalStateException(
            "url is required (e.g. wss://my-project.livekit.cloud or LIVEKIT_URL)");
      }
      if (identity.isBlank()) {
        throw new IllegalArgumentException("identity is blank");
      }
      if (room != null && room.isBlank()) {
        throw new IllegalArgumentException("room is blank");
      }
      checkRange("joinTimeout", joinTimeout, Duration.ofSeconds(1), Duration.ofMinutes(5));
      checkRange("closeTimeout", closeTimeout, Duration.ZERO, Duration.ofMinutes(1));
      checkRange("tokenTtl", tokenTtl, Duration.ofMinutes(1), Duration.ofDays(7));
      String jwt;
      if (token != null) {
        if (apiKey != null || apiSecret != null) {
          throw new IllegalStateException(
              "give either token, or apiKey + apiSecret to mint one, not both");
        }
        if (token.isBlank() || token.chars().filter(c -> c == '.').count() != 2) {
          throw new IllegalArgumentException(
              "token is not a JWT (expected three dot-separated parts)");
        }
        jwt = token;
        if (captions) {
          TokenGrants.of(jwt).requireCaptionGrants();
        }
      } else {
        if (apiKey == null || apiSecret == null) {
          throw new IllegalStateException(
              "credentials missing: give token (LIVEKIT_TOKEN), or apiKey + apiSecret"
                  + " (LIVEKIT_API_KEY/LIVEKIT_API_SECRET) and room");
        }
        if (apiKey.isBlank() || apiSecret.isBlank()) {
          throw new IllegalArgumentException("apiKey and apiSecret must not be blank");
        }
        if (room == null) {
          throw new IllegalStateException("room is required to mint a token (LIVEKIT_ROOM)");
        }
        jwt =
            mintToken(apiKey, apiSecret, room, identity, name == null ? identity : name, tokenTtl);
        Secrets.register(jwt);
      }
      return new LiveKitRoomSource(this, signalUrl(url, autoSubscribe), jwt);
    }

    private static void checkRange(String option, Duration value, Duration min, Duration max) {
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw new IllegalArgumentException(
            option + " " + value + " is out of range: accepted " + min + " to " + max);
      }
    }
  }

  /**
   * A bot token: join the room, subscribe, publish (for speaking back later), publish data, and the
   * agent grant, so captions it publishes may carry other participants' identities.
   */
  static String mintToken(
      String apiKey, String apiSecret, String room, String identity, String name, Duration ttl) {
    AccessToken t = new AccessToken(apiKey, apiSecret);
    t.setIdentity(identity);
    t.setName(name);
    t.setTtl(ttl.toMillis());
    t.addGrants(
        new RoomJoin(true),
        new RoomName(room),
        new CanSubscribe(true),
        new CanPublish(true),
        new CanPublishData(true),
        new Agent(true));
    return t.toJwt();
  }

  /** {@code /rtc} (v0) with LiveKit's query parameters; the token goes in a header, not here. */
  static HttpUrl signalUrl(String url, boolean autoSubscribe) {
    String u = url.strip();
    String lower = u.toLowerCase(Locale.ROOT);
    if (lower.startsWith("ws://")) {
      u = "http://" + u.substring(5);
    } else if (lower.startsWith("wss://")) {
      u = "https://" + u.substring(6);
    } else if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
      throw new IllegalArgumentException(
          "url must start with ws://, wss://, http:// or https://, got '"
              + Secrets.safeUrl(url)
              + "'");
    }
    HttpUrl base = HttpUrl.parse(u);
    if (base == null) {
      throw new IllegalArgumentException("url is not a valid URL: '" + Secrets.safeUrl(url) + "'");
    }
    if (base.encodedQuery() != null
        || base.encodedFragment() != null
        || !base.encodedUsername().isEmpty()
        || !base.encodedPassword().isEmpty()) {
      throw new IllegalArgumentException(
          "url must not carry a query, fragment or user info"
              + " (tokens go in token()): '"
              + Secrets.safeUrl(url)
              + "'");
    }
    return base.newBuilder()
        .addPathSegment("rtc")
        .addQueryParameter("protocol", Integer.toString(PROTOCOL_VERSION))
        .addQueryParameter("client_protocol", "1")
        .addQueryParameter("auto_subscribe", autoSubscribe ? "1" : "0")
        .addQueryParameter("adaptive_stream", "0")
        .addQueryParameter("version", SDK_VERSION)
        .addQueryParameter("os", System.getProperty("os.name", "unknown"))
        .addQueryParameter("os_version", System.getProperty("os.version", ""))
        .build();
  }
}
