package dev.audiopipeline.livekit.agent;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.audiopipeline.AuthenticationException;
import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.okhttp.OkHttpWebSocketTransport;
import dev.audiopipeline.spi.ReconnectPolicy;
import dev.audiopipeline.spi.Secrets;
import dev.audiopipeline.spi.WebSocketConnection;
import dev.audiopipeline.spi.WebSocketHandler;
import dev.audiopipeline.spi.WebSocketRequest;
import io.livekit.server.AccessToken;
import io.livekit.server.Agent;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import livekit.LivekitAgent;
import livekit.LivekitAgent.AvailabilityRequest;
import livekit.LivekitAgent.JobAssignment;
import livekit.LivekitAgent.JobStatus;
import livekit.LivekitAgent.JobType;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;
import livekit.LivekitAgent.WorkerStatus;
import livekit.LivekitModels.ParticipantPermission;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LiveKit agent worker: connects to the server's {@code /agent} endpoint, registers, and runs an
 * {@link AgentJob} for every room the server dispatches to it, up to its capacity. Start as many
 * workers (JVMs, machines) as you like against one server or cluster: the server spreads the rooms
 * over them by their reported load, with no coordinator of ours.
 *
 * <pre>{@code
 * AgentWorker worker = AgentWorker.builder()
 *     .url("wss://my-project.livekit.cloud")
 *     .apiKey(key).apiSecret(secret)
 *     .capacity(8)
 *     .job(TranscriptionJob.of(stt, (job, finals) -> save(job.room(), finals)))
 *     .build();
 * worker.start();
 * worker.drainOnShutdown(Duration.ofMinutes(2));   // SIGTERM: report full, finish jobs, exit
 * worker.terminated().toCompletableFuture().join();
 * }</pre>
 *
 * <p>Protocol (LiveKit's {@code livekit_agent.proto}): {@code RegisterWorkerRequest} right after
 * the WebSocket opens; every {@code AvailabilityRequest} answered at once from a reserved-slot
 * counter (accepted only when a slot is free and the worker is not full or draining); on {@code
 * JobAssignment} the job runs on its own thread and {@code UpdateJobStatus} reports {@code
 * JS_RUNNING}, then {@code JS_SUCCESS} or {@code JS_FAILED} with the error; {@code
 * UpdateWorkerStatus} every 2.5 s with the load and {@code WS_FULL} when full; a {@code WorkerPing}
 * every 10 s. A lost connection is re-established under the {@link ReconnectPolicy} while running
 * jobs go on; the new connection re-registers and reports them with {@code MigrateJobRequest}.
 *
 * <p>What a self-hosted (open-source) server does not do: when a worker dies, its jobs are not
 * handed to another worker ({@code HandleMigrateJob} is a no-op there and the dispatch restart
 * policy is a LiveKit Cloud feature). Those rooms simply lose their bot.
 *
 * <p>Thread-safe. Threads: {@code audio-pipeline-livekit-agent-<name>-events} (protocol, timers),
 * {@code audio-pipeline-livekit-agent-ws-N} (the WebSocket), one {@code
 * audio-pipeline-livekit-agent-job-<room>} per running job; all end on {@link #close()}.
 */
public final class AgentWorker implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AgentWorker.class);

  /** The interval of {@code UpdateWorkerStatus} messages (as LiveKit's own workers). */
  public static final Duration STATUS_INTERVAL = Duration.ofMillis(2500);

  /** The interval of application-level {@code WorkerPing} messages. */
  public static final Duration PING_INTERVAL = Duration.ofSeconds(10);

  /** The server's deadline for the register response and each availability answer. */
  public static final Duration SERVER_TIMEOUT = Duration.ofSeconds(10);

  /** Default load threshold: {@code WS_FULL} at or above it (the server's own target load). */
  public static final double DEFAULT_LOAD_THRESHOLD = 0.7;

  /**
   * Default reconnect policy of the {@code /agent} connection: the first attempt after 250 ms,
   * doubling to 10 s with ±20 % jitter, without limit (a worker outlives server restarts); the
   * count starts over after a connection that lived 30 s.
   */
  public static final ReconnectPolicy DEFAULT_RECONNECT_POLICY =
      ReconnectPolicy.builder()
          .initialDelay(Duration.ofMillis(250))
          .maxDelay(Duration.ofSeconds(10))
          .maxAttempts(Integer.MAX_VALUE)
          .quickFailureLimit(0)
          .build();

  /**
   * How long {@link JobContext#reportSuccess()} waits for the server to confirm that it has applied
   * the job's {@code JS_SUCCESS} (the {@code WorkerPong} of the ping sent right after it).
   */
  static final Duration SUCCESS_CONFIRM_TIMEOUT = Duration.ofSeconds(5);

  /** A reserved slot is released if no assignment follows within this time. */
  static final Duration RESERVATION_TIMEOUT = Duration.ofSeconds(15);

  /** What the worker registers for. */
  public enum JobKind {
    /** One job per room (the default). */
    ROOM(JobType.JT_ROOM),
    /** One job per participant when it first publishes. */
    PUBLISHER(JobType.JT_PUBLISHER),
    /** One job per joining participant. */
    PARTICIPANT(JobType.JT_PARTICIPANT);

    final JobType wire;

    JobKind(JobType wire) {
      this.wire = wire;
    }
  }

  private final String url;
  private final URI agentUri;
  private final String apiKey;
  private final String apiSecret;
  private final String agentName;
  private final @Nullable String namespace;
  private final JobKind jobKind;
  private final AgentJob job;
  private final int capacity;
  private final int maxSpeakers;
  private final double loadThreshold;
  private final ReconnectPolicy reconnectPolicy;
  private final Duration reservationTimeout;
  private final String tag;
  private final ScheduledExecutorService events;
  private final OkHttpWebSocketTransport transport;
  private final Random random = new Random();
  private final com.sun.management.OperatingSystemMXBean os =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private final CompletableFuture<String> registered = new CompletableFuture<>();
  private final CompletableFuture<Void> terminated = new CompletableFuture<>();
  private final AtomicInteger jobThreads = new AtomicInteger();

  // --- state, touched only on the events thread ---
  private final Map<String, ScheduledFuture<?>> reserved = new HashMap<>();
  private final Map<String, RunningJob> running = new LinkedHashMap<>();

  /** Barrier pings (negative timestamps, unlike the periodic ones) awaiting their pong. */
  private final Map<Long, CompletableFuture<Boolean>> barriers = new HashMap<>();

  private long barrierSeq;
  private @Nullable WebSocketConnection connection;
  private int generation;
  private boolean isRegistered;
  private @Nullable String workerId;
  private long openedAtNanos = -1;
  private int attempts;
  private boolean started;
  private boolean draining;
  private boolean closed;
  private long lastPongNanos;
  private @Nullable ScheduledFuture<?> registerTimeout;
  private volatile double lastLoad;
  private double cpu;
  private volatile int reconnects;

  private record RunningJob(JobContext context, Thread thread) {}

  private AgentWorker(Builder b) {
    this.url = Objects.requireNonNull(b.url);
    this.agentUri = agentUri(b.url);
    this.apiKey = Objects.requireNonNull(b.apiKey);
    this.apiSecret = Objects.requireNonNull(b.apiSecret);
    this.agentName = b.agentName;
    this.namespace = b.namespace;
    this.jobKind = b.jobKind;
    this.job = Objects.requireNonNull(b.job);
    this.capacity = b.capacity;
    this.maxSpeakers = b.maxSpeakers > 0 ? b.maxSpeakers : b.capacity * 8;
    this.loadThreshold = b.loadThreshold;
    this.reconnectPolicy = b.reconnectPolicy;
    this.reservationTimeout = b.reservationTimeout;
    this.tag = agentName.isEmpty() ? "worker" : agentName;
    String prefix = "audio-pipeline-livekit-agent-" + tag;
    this.events =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, prefix + "-events");
              t.setDaemon(true);
              return t;
            });
    this.transport =
        OkHttpWebSocketTransport.forStreaming(
            "audio-pipeline-livekit-agent", null, Duration.ofSeconds(15));
  }

  /** A builder; {@code url}, credentials and {@code job} are required. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * A builder with {@code url}, {@code apiKey} and {@code apiSecret} from {@code LIVEKIT_URL},
   * {@code LIVEKIT_API_KEY} and {@code LIVEKIT_API_SECRET} where set.
   */
  public static Builder fromEnv() {
    return fromEnv(System.getenv());
  }

  /** As {@link #fromEnv()}, from the given map (for tests and launchers). */
  public static Builder fromEnv(Map<String, String> env) {
    Builder b = new Builder();
    String u = env.get("LIVEKIT_URL");
    if (u != null && !u.isBlank()) {
      b.url(u);
    }
    String k = env.get("LIVEKIT_API_KEY");
    if (k != null && !k.isBlank()) {
      b.apiKey(Secrets.checkCredential("LIVEKIT_API_KEY", k));
    }
    String s = env.get("LIVEKIT_API_SECRET");
    if (s != null && !s.isBlank()) {
      b.apiSecret(Secrets.checkCredential("LIVEKIT_API_SECRET", s));
    }
    return b;
  }

  /**
   * Connects and registers in the background; {@link #registered()} completes with the worker id.
   * Idempotent.
   */
  public AgentWorker start() {
    events.execute(
        () -> {
          if (started || closed) {
            return;
          }
          started = true;
          warmUp();
          events.scheduleAtFixedRate(
              this::statusTick,
              STATUS_INTERVAL.toMillis(),
              STATUS_INTERVAL.toMillis(),
              TimeUnit.MILLISECONDS);
          events.scheduleAtFixedRate(
              this::ping,
              PING_INTERVAL.toMillis(),
              PING_INTERVAL.toMillis(),
              TimeUnit.MILLISECONDS);
          connect();
        });
    return this;
  }

  /** Completes with the server's worker id at the first successful registration. */
  public CompletionStage<String> registered() {
    return registered;
  }

  /**
   * Completes when the worker has stopped: after {@link #close()} or {@link #drain}, or
   * exceptionally when it cannot go on (wrong credentials: {@link AuthenticationException}; the
   * reconnect policy gave up: {@link ConnectionException}). Running jobs are terminated then.
   */
  public CompletionStage<Void> terminated() {
    return terminated;
  }

  /** Jobs running now. */
  public int activeJobs() {
    return call(running::size, 0);
  }

  /** The rooms of the jobs running now. */
  public List<String> activeRooms() {
    return call(
        () -> {
          List<String> rooms = new ArrayList<>();
          running.values().forEach(j -> rooms.add(j.context().room()));
          return rooms;
        },
        List.of());
  }

  /** The load last reported to the server, 0..1. */
  public double load() {
    return lastLoad;
  }

  /** How often the {@code /agent} connection was re-established. */
  public int reconnectCount() {
    return reconnects;
  }

  /**
   * Graceful shutdown: reports {@code WS_FULL} (the server sends no new job), lets running jobs
   * finish for at most {@code timeout}, then asks the rest to terminate and closes the worker.
   *
   * @return {@code true} if every job ended by itself within {@code timeout}
   */
  public boolean drain(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout == null");
    events.execute(
        () -> {
          draining = true;
          sendStatus();
        });
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean finished = false;
    while (true) {
      if (activeJobs() == 0) {
        finished = true;
        break;
      }
      if (System.nanoTime() >= deadline) {
        break;
      }
      Thread.sleep(50);
    }
    log.info(
        "livekit agent {}: drained ({})",
        tag,
        finished ? "all jobs ended" : "timeout: terminating the remaining jobs");
    close();
    return finished;
  }

  /**
   * Installs a JVM shutdown hook (SIGTERM, SIGINT, {@code System.exit}) that {@link #drain drains}
   * this worker with {@code timeout}. Keep {@code timeout} below your process manager's kill grace
   * period.
   */
  public void drainOnShutdown(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout == null");
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    drain(timeout);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                },
                "audio-pipeline-livekit-agent-" + tag + "-drain"));
  }

  /**
   * Stops at once: asks every running job to terminate and waits up to 10 s for their threads,
   * reports the jobs that ended, closes the connection and stops the worker's threads. Idempotent.
   */
  @Override
  public void close() {
    CompletableFuture<List<RunningJob>> jobs = new CompletableFuture<>();
    try {
      events.execute(
          () -> {
            if (!closed) {
              closed = true;
              draining = true;
              sendStatus();
            }
            running.values().forEach(j -> j.context().requestTermination());
            jobs.complete(new ArrayList<>(running.values()));
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      return; // already closed
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    try {
      for (RunningJob j : jobs.get(10, TimeUnit.SECONDS)) {
        long left = deadline - System.nanoTime();
        if (left > 0 && j.thread() != Thread.currentThread()) {
          j.thread().join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      // events thread gone: nothing to wait for
    }
    CompletableFuture<Void> sent = new CompletableFuture<>();
    try {
      events.execute(
          () -> {
            WebSocketConnection c = connection;
            connection = null;
            generation++;
            if (c != null) {
              c.close(1000, "worker closing");
            }
            barriers.values().forEach(b -> b.complete(false));
            barriers.clear();
            sent.complete(null);
          });
      sent.get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    events.shutdownNow();
    transport.close();
    registered.completeExceptionally(conn("worker closed"));
    terminated.complete(null);
  }

  @Override
  public String toString() {
    return "AgentWorker{url="
        + agentUri
        + ", agentName='"
        + agentName
        + "', capacity="
        + capacity
        + ", loadThreshold="
        + loadThreshold
        + "}";
  }

  // ------------------------------------------------------------------ connection

  private void connect() {
    if (closed) {
      return;
    }
    int gen = ++generation;
    String token = mintWorkerToken();
    WebSocketRequest request =
        WebSocketRequest.of(agentUri, Map.of("Authorization", "Bearer " + token));
    log.debug("livekit agent {}: connecting to {}", tag, agentUri);
    try {
      transport.open(request, new Handler(gen));
    } catch (RuntimeException e) {
      onDrop(gen, conn("cannot open " + agentUri + ": " + e));
    }
  }

  private String mintWorkerToken() {
    AccessToken t = new AccessToken(apiKey, apiSecret);
    t.setIdentity("audio-pipeline-agent-worker");
    t.setTtl(Duration.ofHours(1).toMillis());
    t.addGrants(new Agent(true));
    return t.toJwt();
  }

  private final class Handler implements WebSocketHandler {
    private final int gen;

    Handler(int gen) {
      this.gen = gen;
    }

    @Override
    public void onOpen(WebSocketConnection c, Map<String, String> responseHeaders) {
      events.execute(() -> onOpened(gen, c));
    }

    @Override
    public void onText(String text) {
      events.execute(
          () -> log.warn("livekit agent {}: unexpected text frame ({} chars)", tag, text.length()));
    }

    @Override
    public void onBinary(byte[] data) {
      long rx = System.nanoTime();
      events.execute(() -> onMessage(gen, data, rx));
    }

    @Override
    public void onClosing(int code, String reason) {}

    @Override
    public void onClosed(int code, String reason) {
      events.execute(
          () ->
              onDrop(
                  gen,
                  conn("/agent connection closed: " + code + " " + Secrets.serverText(reason))));
    }

    @Override
    public void onFailure(Throwable error, @Nullable HttpFailure response) {
      events.execute(
          () -> {
            if (response != null && (response.status() == 401 || response.status() == 403)) {
              fail(
                  gen,
                  new AuthenticationException(
                      "livekit",
                      "the server refused the worker's credentials (HTTP "
                          + response.status()
                          + ")",
                      response.status(),
                      -1,
                      null,
                      null));
              return;
            }
            onDrop(
                gen,
                conn(
                    "/agent connection failed: "
                        + (response != null ? "HTTP " + response.status() : error.toString())));
          });
    }
  }

  private void onOpened(int gen, WebSocketConnection c) {
    if (gen != generation || closed) {
      c.close(1000, "stale");
      return;
    }
    connection = c;
    openedAtNanos = System.nanoTime();
    lastPongNanos = openedAtNanos;
    LivekitAgent.RegisterWorkerRequest.Builder reg =
        LivekitAgent.RegisterWorkerRequest.newBuilder()
            .setType(jobKind.wire)
            .setAgentName(agentName)
            .setVersion("audio-pipeline-java")
            .setPingInterval((int) PING_INTERVAL.toSeconds())
            .setAllowedPermissions(
                ParticipantPermission.newBuilder()
                    .setCanSubscribe(true)
                    .setCanPublish(true)
                    .setCanPublishData(true)
                    .setCanUpdateMetadata(true)
                    .setAgent(true));
    if (namespace != null) {
      reg.setNamespace(namespace);
    }
    send(WorkerMessage.newBuilder().setRegister(reg).build());
    registerTimeout =
        events.schedule(
            () -> {
              if (gen == generation && !isRegistered) {
                c.cancel();
                onDrop(gen, conn("no RegisterWorkerResponse within " + SERVER_TIMEOUT));
              }
            },
            SERVER_TIMEOUT.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  private void onDrop(int gen, Exception why) {
    if (gen != generation || closed) {
      return;
    }
    WebSocketConnection c = connection;
    connection = null;
    if (c != null) {
      c.cancel();
    }
    isRegistered = false;
    generation++;
    barriers.values().forEach(b -> b.complete(false));
    barriers.clear();
    if (registerTimeout != null) {
      registerTimeout.cancel(false);
    }
    // reservations die with the connection: the server retries those jobs elsewhere
    reserved.values().forEach(f -> f.cancel(false));
    reserved.clear();
    long lived = openedAtNanos < 0 ? -1 : System.nanoTime() - openedAtNanos;
    openedAtNanos = -1;
    if (lived >= reconnectPolicy.stablePeriod().toNanos()) {
      attempts = 0;
    }
    if (attempts >= reconnectPolicy.maxAttempts()) {
      fail(
          generation,
          conn("gave up after " + attempts + " reconnect attempts: " + why.getMessage()));
      return;
    }
    attempts++;
    Duration delay = reconnectPolicy.delay(attempts, random);
    log.warn(
        "livekit agent {}: {}; reconnecting in {} ms (attempt {}, {} jobs keep running)",
        tag,
        why.getMessage(),
        delay.toMillis(),
        attempts,
        running.size());
    events.schedule(
        () -> {
          if (!closed) {
            reconnects++;
            connect();
          }
        },
        delay.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  private void fail(int gen, Exception error) {
    if (gen != generation || closed) {
      return;
    }
    log.error("livekit agent {}: stopping: {}", tag, error.getMessage());
    registered.completeExceptionally(error);
    terminated.completeExceptionally(error);
    Thread closer = new Thread(this::close, "audio-pipeline-livekit-agent-" + tag + "-close");
    closer.setDaemon(true);
    closer.start();
  }

  // ------------------------------------------------------------------ messages

  private void onMessage(int gen, byte[] data, long rxNanos) {
    if (gen != generation) {
      return;
    }
    ServerMessage m;
    try {
      m = ServerMessage.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      log.warn("livekit agent {}: unparsable server message ({} bytes)", tag, data.length);
      return;
    }
    if (closed) {
      // closing: jobs still leave their rooms, and each waits for its success to be confirmed
      if (m.getMessageCase() == ServerMessage.MessageCase.PONG) {
        onPong(m.getPong());
      }
      return;
    }
    switch (m.getMessageCase()) {
      case REGISTER -> onRegistered(m.getRegister());
      case AVAILABILITY -> onAvailability(m.getAvailability(), rxNanos);
      case ASSIGNMENT -> onAssignment(m.getAssignment());
      case TERMINATION -> onTermination(m.getTermination().getJobId());
      case PONG -> onPong(m.getPong());
      default -> log.debug("livekit agent {}: ignoring message {}", tag, m.getMessageCase());
    }
  }

  private void onRegistered(LivekitAgent.RegisterWorkerResponse r) {
    isRegistered = true;
    if (registerTimeout != null) {
      registerTimeout.cancel(false);
    }
    workerId = r.getWorkerId();
    log.info(
        "livekit agent {}: registered as {} (server {} {})",
        tag,
        workerId,
        r.getServerInfo().getEdition(),
        r.getServerInfo().getVersion());
    if (!running.isEmpty()) {
      send(
          WorkerMessage.newBuilder()
              .setMigrateJob(
                  LivekitAgent.MigrateJobRequest.newBuilder().addAllJobIds(running.keySet()))
              .build());
      // the server forgot the statuses with the old connection: report them again
      running.keySet().forEach(id -> sendJobStatus(id, JobStatus.JS_RUNNING, ""));
    }
    sendStatus();
    registered.complete(workerId);
  }

  private void onAvailability(AvailabilityRequest req, long rxNanos) {
    LivekitAgent.Job j = req.getJob();
    String jobId = j.getId();
    boolean accept = !draining && !closed && slotsUsed() < capacity && !overloaded();
    LivekitAgent.AvailabilityResponse.Builder resp =
        LivekitAgent.AvailabilityResponse.newBuilder().setJobId(jobId).setAvailable(accept);
    if (accept) {
      String identity = "agent-" + jobId;
      resp.setParticipantIdentity(identity)
          .setParticipantName(agentName.isEmpty() ? "audio-pipeline" : agentName)
          .putParticipantAttributes("lk.agent.name", agentName);
      reserved.put(
          jobId,
          events.schedule(
              () -> {
                if (reserved.remove(jobId) != null) {
                  log.warn(
                      "livekit agent {}: no assignment for job {} within {}; slot released",
                      tag,
                      jobId,
                      reservationTimeout);
                  sendStatus(); // a worker that was full is available again: say so now
                }
              },
              reservationTimeout.toMillis(),
              TimeUnit.MILLISECONDS));
    }
    log.debug(
        "livekit agent {}: availability for job {} (room {}): {}, answered {} ms after receipt",
        tag,
        jobId,
        j.getRoom().getName(),
        accept,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - rxNanos));
    send(WorkerMessage.newBuilder().setAvailability(resp).build());
    if (accept && slotsUsed() >= capacity) {
      sendStatus(); // full now: tell the server at once, not at the next tick
    }
  }

  private void onAssignment(JobAssignment a) {
    LivekitAgent.Job j = a.getJob();
    String jobId = j.getId();
    ScheduledFuture<?> r = reserved.remove(jobId);
    if (r != null) {
      r.cancel(false);
    }
    if (closed || running.containsKey(jobId)) {
      sendJobStatus(jobId, JobStatus.JS_FAILED, closed ? "worker closing" : "duplicate assignment");
      return;
    }
    String room = j.getRoom().getName();
    JobContext ctx =
        new JobContext(
            jobId,
            j.getDispatchId(),
            room,
            j.getMetadata(),
            j.getState().getParticipantIdentity().isEmpty()
                ? "agent-" + jobId
                : j.getState().getParticipantIdentity(),
            j.hasParticipant() ? j.getParticipant().getIdentity() : "",
            a.hasUrl() && !a.getUrl().isEmpty() ? a.getUrl() : url,
            a.getToken(),
            c -> reportEnded(c.jobId(), JobStatus.JS_SUCCESS, ""));
    Thread t =
        new Thread(
            () -> runJob(ctx),
            "audio-pipeline-livekit-agent-job-" + room + "-" + jobThreads.incrementAndGet());
    running.put(jobId, new RunningJob(ctx, t));
    log.info("livekit agent {}: job {} for room {} started", tag, jobId, room);
    sendJobStatus(jobId, JobStatus.JS_RUNNING, "");
    t.start();
    sendStatus();
  }

  private void runJob(JobContext ctx) {
    JobStatus status = JobStatus.JS_SUCCESS;
    String error = "";
    try {
      job.run(ctx);
    } catch (Exception | Error e) {
      status = JobStatus.JS_FAILED;
      error = e.getClass().getSimpleName() + ": " + Objects.toString(e.getMessage(), "");
      log.warn(
          "livekit agent {}: job {} in room {} failed: {}", tag, ctx.jobId(), ctx.room(), error);
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
    }
    JobStatus s = status;
    String err = error;
    try {
      events.execute(
          () -> {
            running.remove(ctx.jobId());
            log.info(
                "livekit agent {}: job {} for room {} ended: {}", tag, ctx.jobId(), ctx.room(), s);
            if (s != JobStatus.JS_SUCCESS || !ctx.successReported()) {
              sendJobStatus(ctx.jobId(), s, err);
            }
            sendStatus();
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // the worker is closed: the server learns from the closed connection
    }
  }

  private void onPong(LivekitAgent.WorkerPong pong) {
    lastPongNanos = System.nanoTime();
    CompletableFuture<Boolean> b = barriers.remove(pong.getLastTimestamp());
    if (b != null) {
      b.complete(true);
    }
  }

  /**
   * Reports a job's end and completes once the server has applied it, {@code false} if that cannot
   * be known (no connection now, the connection dropped). The server handles one connection's
   * messages in order (livekit-server {@code DispatchAgentWorkerSignal}) and answers a {@code
   * WorkerPing} at once, so the pong of a ping sent right after the status proves the status was
   * applied. This matters because the server marks a job whose participant leaves the room while
   * the job is still running as failed ("agent worker left the room"), and the leave travels on
   * another connection (the room's signal socket), so "sent first" is not "applied first".
   */
  CompletableFuture<Boolean> reportEnded(String jobId, JobStatus status, String error) {
    CompletableFuture<Boolean> done = new CompletableFuture<>();
    try {
      events.execute(
          () -> {
            sendJobStatus(jobId, status, error);
            WebSocketConnection c = connection;
            if (c == null || !isRegistered) {
              done.complete(false);
              return;
            }
            long ts = -(++barrierSeq);
            barriers.put(ts, done);
            send(
                WorkerMessage.newBuilder()
                    .setPing(LivekitAgent.WorkerPing.newBuilder().setTimestamp(ts))
                    .build());
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      done.complete(false); // closed: the server learns from the closed connection
    }
    return done;
  }

  private void onTermination(String jobId) {
    RunningJob j = running.get(jobId);
    log.info("livekit agent {}: server terminated job {} ({})", tag, jobId, j != null);
    if (j != null) {
      j.context().requestTermination();
    }
  }

  private void sendJobStatus(String jobId, JobStatus status, String error) {
    send(
        WorkerMessage.newBuilder()
            .setUpdateJob(
                LivekitAgent.UpdateJobStatus.newBuilder()
                    .setJobId(jobId)
                    .setStatus(status)
                    .setError(error))
            .build());
  }

  // ------------------------------------------------------------------ load

  private int slotsUsed() {
    return running.size() + reserved.size();
  }

  /** The process CPU load as last sampled (every {@link #STATUS_INTERVAL}). */
  private double cpuLoad() {
    return cpu;
  }

  private void sampleCpu() {
    double c = os.getProcessCpuLoad();
    cpu = c < 0 || Double.isNaN(c) ? 0 : Math.min(1, c);
  }

  /**
   * Loads and initialises the protocol classes and samples the CPU once before connecting: the
   * server waits only about 3 s for an availability answer (measured, livekit-server 1.13.5) and
   * does not retry the job elsewhere when it times out, and on a loaded machine the first parse of
   * a {@code Job} (which pulls in the large {@code LivekitModels} classes) took seconds.
   */
  private void warmUp() {
    long t0 = System.nanoTime();
    try {
      LivekitAgent.Job sampleJob =
          LivekitAgent.Job.newBuilder()
              .setId("AJ_warmup")
              .setType(JobType.JT_ROOM)
              .setRoom(livekit.LivekitModels.Room.newBuilder().setName("warmup"))
              .setParticipant(livekit.LivekitModels.ParticipantInfo.newBuilder().setIdentity("p"))
              .setState(LivekitAgent.JobState.newBuilder().setParticipantIdentity("p"))
              .build();
      for (ServerMessage m :
          List.of(
              ServerMessage.newBuilder()
                  .setAvailability(AvailabilityRequest.newBuilder().setJob(sampleJob))
                  .build(),
              ServerMessage.newBuilder()
                  .setAssignment(JobAssignment.newBuilder().setJob(sampleJob).setToken("t"))
                  .build(),
              ServerMessage.newBuilder()
                  .setTermination(LivekitAgent.JobTermination.newBuilder().setJobId("j"))
                  .build(),
              ServerMessage.newBuilder().setPong(LivekitAgent.WorkerPong.newBuilder()).build())) {
        ServerMessage.parseFrom(m.toByteArray()).getMessageCase();
      }
      WorkerMessage.newBuilder()
          .setAvailability(
              LivekitAgent.AvailabilityResponse.newBuilder()
                  .setJobId("j")
                  .putParticipantAttributes("k", "v"))
          .build()
          .toByteArray();
      WorkerMessage.newBuilder()
          .setUpdateJob(LivekitAgent.UpdateJobStatus.newBuilder().setStatus(JobStatus.JS_RUNNING))
          .build()
          .toByteArray();
      WorkerMessage.newBuilder()
          .setUpdateWorker(
              LivekitAgent.UpdateWorkerStatus.newBuilder().setStatus(WorkerStatus.WS_FULL))
          .build()
          .toByteArray();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("protocol classes broken", e);
    }
    sampleCpu();
    log.debug(
        "livekit agent {}: warm-up took {} ms",
        tag,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
  }

  private double speakerLoad() {
    int n = 0;
    for (RunningJob j : running.values()) {
      n += j.context().speakers();
    }
    return Math.min(1, n / (double) maxSpeakers);
  }

  /**
   * The slots' share of the load: used slots map onto [0, threshold) and a full worker reports 1.
   * The server sends a room only to workers that report a load below its target (0.7), so a plain
   * used/capacity would stop dispatch at 70 % of the capacity (measured: with capacity 4 and 3
   * rooms each, two workers got no further room).
   */
  private double slotLoad() {
    int used = slotsUsed();
    return used >= capacity ? 1.0 : used * loadThreshold / capacity;
  }

  /** CPU or speakers at or above the threshold: no new job even with a free slot. */
  private boolean overloaded() {
    return cpuLoad() >= loadThreshold || speakerLoad() >= loadThreshold;
  }

  private void statusTick() {
    sampleCpu();
    sendStatus();
  }

  private void sendStatus() {
    if (!isRegistered) {
      return;
    }
    double load = Math.max(Math.max(slotLoad(), cpuLoad()), speakerLoad());
    lastLoad = Math.min(1, load);
    boolean full = draining || closed || slotsUsed() >= capacity || overloaded();
    send(
        WorkerMessage.newBuilder()
            .setUpdateWorker(
                LivekitAgent.UpdateWorkerStatus.newBuilder()
                    .setStatus(full ? WorkerStatus.WS_FULL : WorkerStatus.WS_AVAILABLE)
                    .setLoad((float) lastLoad)
                    .setJobCount(running.size()))
            .build());
  }

  private void ping() {
    WebSocketConnection c = connection;
    if (c == null || !isRegistered) {
      return;
    }
    long now = System.nanoTime();
    if (now - lastPongNanos > 3 * PING_INTERVAL.toNanos()) {
      onDrop(generation, conn("no WorkerPong for " + 3 * PING_INTERVAL.toSeconds() + " s"));
      return;
    }
    send(
        WorkerMessage.newBuilder()
            .setPing(LivekitAgent.WorkerPing.newBuilder().setTimestamp(System.currentTimeMillis()))
            .build());
  }

  private void send(WorkerMessage m) {
    WebSocketConnection c = connection;
    if (c == null) {
      return; // reported again after the reconnect (statuses, MigrateJobRequest)
    }
    byte[] bytes = m.toByteArray();
    c.sendBinary(bytes, 0, bytes.length);
  }

  private <T> T call(java.util.concurrent.Callable<T> f, T whenClosed) {
    try {
      return events.submit(f).get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return whenClosed;
    } catch (Exception e) {
      return whenClosed;
    }
  }

  private static ConnectionException conn(String message) {
    return new ConnectionException(message, new java.io.IOException(message));
  }

  static URI agentUri(String url) {
    String s = url.strip();
    String lower = s.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://")) {
      s = "ws://" + s.substring(7);
    } else if (lower.startsWith("https://")) {
      s = "wss://" + s.substring(8);
    }
    // refuses other schemes, a query (tokens go in the header), user info; names the option
    s = WebSocketRequest.checkBaseUrl("url", s).toString();
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return URI.create(s + "/agent");
  }

  /** Configures an {@link AgentWorker}. */
  public static final class Builder {
    private @Nullable String url;
    private @Nullable String apiKey;
    private @Nullable String apiSecret;
    private String agentName = "";
    private @Nullable String namespace;
    private JobKind jobKind = JobKind.ROOM;
    private @Nullable AgentJob job;
    private int capacity = 4;
    private int maxSpeakers;
    private double loadThreshold = DEFAULT_LOAD_THRESHOLD;
    private ReconnectPolicy reconnectPolicy = DEFAULT_RECONNECT_POLICY;
    private Duration reservationTimeout = RESERVATION_TIMEOUT;

    private Builder() {}

    /** For tests: how long a reserved slot waits for its assignment (default 15 s). */
    Builder reservationTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("reservationTimeout " + timeout + " must be > 0");
      }
      this.reservationTimeout = timeout;
      return this;
    }

    /** The server: {@code ws://}, {@code wss://}, {@code http://} or {@code https://}. */
    public Builder url(String url) {
      this.url = Objects.requireNonNull(url, "url == null");
      return this;
    }

    /** API key for the worker's agent token. Never logged. */
    public Builder apiKey(String apiKey) {
      this.apiKey = Secrets.checkCredential("LiveKit API key", apiKey);
      return this;
    }

    /** API secret for the worker's agent token. Never logged. */
    public Builder apiSecret(String apiSecret) {
      this.apiSecret = Secrets.checkCredential("LiveKit API secret", apiSecret);
      return this;
    }

    /**
     * The agent name (default empty: the worker receives every new room automatically; a named
     * worker receives only explicit dispatches for its name).
     */
    public Builder agentName(String agentName) {
      this.agentName = Objects.requireNonNull(agentName, "agentName == null").strip();
      return this;
    }

    /** Optional namespace (deprecated on the server side, kept for older deployments). */
    public Builder namespace(String namespace) {
      this.namespace = Objects.requireNonNull(namespace, "namespace == null");
      return this;
    }

    /** One job per room (default), per publisher or per participant. */
    public Builder jobKind(JobKind kind) {
      this.jobKind = Objects.requireNonNull(kind, "jobKind == null");
      return this;
    }

    /** What to do in each room, e.g. {@link TranscriptionJob}. Required. */
    public Builder job(AgentJob job) {
      this.job = Objects.requireNonNull(job, "job == null");
      return this;
    }

    /** Jobs this worker runs at once (default 4, accepted 1–1000). */
    public Builder capacity(int capacity) {
      this.capacity = capacity;
      return this;
    }

    /**
     * Speakers (as reported by the jobs) that count as a load of 1 (default 8 per slot of {@link
     * #capacity}).
     */
    public Builder maxSpeakers(int maxSpeakers) {
      this.maxSpeakers = maxSpeakers;
      return this;
    }

    /**
     * Load (CPU or speakers) at or above which the worker reports {@code WS_FULL} and refuses jobs
     * (default {@value #DEFAULT_LOAD_THRESHOLD_TEXT}, accepted (0, 1]).
     */
    public Builder loadThreshold(double loadThreshold) {
      this.loadThreshold = loadThreshold;
      return this;
    }

    /**
     * Reconnect policy of the {@code /agent} connection (default {@link
     * #DEFAULT_RECONNECT_POLICY}).
     */
    public Builder reconnectPolicy(ReconnectPolicy policy) {
      this.reconnectPolicy = Objects.requireNonNull(policy, "reconnectPolicy == null");
      return this;
    }

    /**
     * @throws IllegalStateException if url, credentials or job are missing
     * @throws IllegalArgumentException if a value is out of range, naming it and what is accepted
     */
    public AgentWorker build() {
      if (url == null) {
        throw new IllegalStateException("url is required (LIVEKIT_URL)");
      }
      agentUri(url); // validates
      if (apiKey == null || apiSecret == null) {
        throw new IllegalStateException(
            "credentials missing: give apiKey and apiSecret (LIVEKIT_API_KEY, LIVEKIT_API_SECRET)");
      }
      if (job == null) {
        throw new IllegalStateException("job is required, e.g. TranscriptionJob.of(...)");
      }
      if (capacity < 1 || capacity > 1000) {
        throw new IllegalArgumentException("capacity " + capacity + " is out of range: 1..1000");
      }
      if (maxSpeakers < 0) {
        throw new IllegalArgumentException("maxSpeakers " + maxSpeakers + " must be >= 0");
      }
      if (!(loadThreshold > 0 && loadThreshold <= 1)) {
        throw new IllegalArgumentException(
            "loadThreshold " + loadThreshold + " is out of range: (0, 1]");
      }
      return new AgentWorker(this);
    }

    private static final String DEFAULT_LOAD_THRESHOLD_TEXT = "0.7";
  }
}
