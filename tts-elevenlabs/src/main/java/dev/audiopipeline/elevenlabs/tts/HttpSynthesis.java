package dev.audiopipeline.elevenlabs.tts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.audiopipeline.AudioPipelineException;
import dev.audiopipeline.ConnectionException;
import dev.audiopipeline.ProtocolException;
import dev.audiopipeline.ProviderException;
import dev.audiopipeline.TtsChunk;
import dev.audiopipeline.TtsChunk.CharTiming;
import dev.audiopipeline.TtsRequest;
import dev.audiopipeline.audio.AudioFormat;
import dev.audiopipeline.internal.runtime.Backoff;
import dev.audiopipeline.internal.runtime.BoundedPublisher;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import okhttp3.Call;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.BufferedSource;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP synthesis for one subscriber. Runs on a worker thread from the first {@code request(n)}:
 * sends the request (retrying 429/5xx/connect failures before any audio), then reads the body only
 * while the subscriber has unmet demand, one read per chunk. Cancelling cancels the OkHttp call,
 * which unblocks the read at once.
 *
 * <p>Deadline: the whole synthesis must finish within {@code synthesisTimeout} of network time. The
 * deadline starts at the first request and is pushed back by every wait for subscriber demand (a
 * slow player is not the server's fault). A watchdog on the provider's timer thread cancels the
 * call when it passes; the read timeout alone cannot catch a server that trickles a few bytes per
 * second.
 */
final class HttpSynthesis implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(HttpSynthesis.class);
  private static final MediaType JSON = MediaType.get("application/json");

  /** Bytes per body read: at most this much audio waits in memory for a slow subscriber. */
  private static final int READ_BYTES = 8192;

  private final ElevenLabsTts tts;
  private final TtsConfig cfg;
  private final TtsRequest request;
  private final Flow.Subscriber<? super TtsChunk> subscriber;
  private final BoundedPublisher<TtsChunk> buffer;
  private volatile @Nullable Call call;
  private volatile @Nullable Thread sleeping;
  private volatile boolean cancelled;
  private long startNanos;
  // deadline bookkeeping: written by the worker, read by the watchdog on the timer thread
  private volatile long deadlineNanos;
  private volatile long demandWaitSince; // 0 while not waiting for demand
  private volatile boolean timedOut;
  private volatile boolean finished;
  private @Nullable ScheduledFuture<?> watchdog; // touched by the worker, then by the watchdog
  private final Object watchdogLock = new Object();

  HttpSynthesis(
      ElevenLabsTts tts,
      TtsConfig cfg,
      TtsRequest request,
      Flow.Subscriber<? super TtsChunk> subscriber) {
    this.tts = tts;
    this.cfg = cfg;
    this.request = request;
    this.subscriber = subscriber;
    // two chunks at most: the reader waits for demand before each read (backpressure to TCP)
    this.buffer =
        BoundedPublisher.unicast(
            tts.executor(), 2, tts.instanceName() + "-http", this::begin, this::onCancel);
  }

  void start() {
    buffer.subscribe(subscriber);
  }

  private void begin() {
    startNanos = System.nanoTime();
    if (!tts.register(this)) {
      buffer.fail(new AudioPipelineException("elevenlabs: the provider is closed"));
      return;
    }
    try {
      tts.executor().execute(this);
    } catch (RejectedExecutionException e) {
      tts.unregister(this);
      buffer.fail(new AudioPipelineException("elevenlabs: the provider is closed", e));
    }
  }

  /** The provider is closing: stop the transfer; the subscriber completes after what it has. */
  void stopForClose() {
    cancelled = true;
    Call c = call;
    if (c != null) {
      c.cancel();
    }
    Thread t = sleeping;
    if (t != null) {
      t.interrupt();
    }
    buffer.completeNow();
  }

  private void onCancel() {
    cancelled = true;
    Call c = call;
    if (c != null) {
      c.cancel();
    }
    Thread t = sleeping;
    if (t != null) {
      t.interrupt();
    }
  }

  @Override
  public void run() {
    deadlineNanos = startNanos + cfg.synthesisTimeout().toNanos();
    armWatchdog(cfg.synthesisTimeout().toNanos());
    try {
      execute();
    } catch (InterruptedException e) {
      if (!cancelled) {
        buffer.fail(new AudioPipelineException("elevenlabs: synthesis interrupted", e));
      }
    } catch (AudioPipelineException e) {
      buffer.fail(e);
    } catch (RuntimeException e) {
      buffer.fail(new AudioPipelineException("elevenlabs: synthesis failed: " + e, e));
    } finally {
      finished = true;
      disarmWatchdog();
      tts.unregister(this);
      Thread
          .interrupted(); // a cancel may have interrupted a retry wait: do not leak it to the pool
    }
  }

  /** Schedules the deadline check {@code delayNanos} from now; a closed provider has no timer. */
  private void armWatchdog(long delayNanos) {
    synchronized (watchdogLock) {
      if (finished) {
        return;
      }
      try {
        watchdog =
            tts.scheduler()
                .schedule(
                    this::checkDeadline, Math.max(delayNanos, 1_000_000L), TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        watchdog = null; // closing: close() stops the transfer itself
      }
    }
  }

  private void disarmWatchdog() {
    synchronized (watchdogLock) {
      ScheduledFuture<?> w = watchdog;
      watchdog = null;
      if (w != null) {
        w.cancel(false);
      }
    }
  }

  /** On the timer thread: cancel the call once the deadline has passed, else check again later. */
  private void checkDeadline() {
    if (finished || cancelled) {
      return;
    }
    long now = System.nanoTime();
    long since = demandWaitSince; // read before the deadline: the worker writes them the other way
    long deadline = deadlineNanos;
    if (since != 0) {
      // the subscriber holds us up: the clock is stopped until it asks for more
      armWatchdog(deadline - since);
      return;
    }
    if (now - deadline < 0) {
      armWatchdog(deadline - now);
      return;
    }
    timedOut = true;
    Call c = call;
    if (c != null) {
      c.cancel();
    }
    Thread t = sleeping;
    if (t != null) {
      t.interrupt();
    }
  }

  /** Waits for subscriber demand; the time spent waiting does not count against the deadline. */
  private boolean awaitDemand() throws InterruptedException {
    long since = System.nanoTime();
    demandWaitSince = since;
    try {
      return buffer.awaitDemand();
    } finally {
      deadlineNanos = deadlineNanos + (System.nanoTime() - since);
      demandWaitSince = 0;
    }
  }

  private ConnectionException deadlineError(long wireBytes, @Nullable IOException cause) {
    return new ConnectionException(
        "elevenlabs: the synthesis did not finish within its deadline of "
            + cfg.synthesisTimeout().toMillis()
            + " ms of network time (synthesisTimeout) after "
            + wireBytes
            + " bytes of audio",
        cause != null ? cause : new InterruptedIOException("synthesisTimeout passed"));
  }

  private void execute() throws InterruptedException {
    Backoff backoff = new Backoff(cfg.retryPolicy(), ThreadLocalRandom.current());
    int retries = cfg.retryPolicy().maxAttempts();
    while (!cancelled) {
      if (timedOut) {
        buffer.fail(deadlineError(0, null));
        return;
      }
      Call c = tts.client().newCall(buildRequest());
      call = c;
      if (cancelled) {
        c.cancel();
        return;
      }
      if (timedOut) {
        c.cancel(); // the watchdog fired before this call existed: execute() fails at once
      }
      Response response;
      try {
        response = c.execute();
      } catch (IOException e) {
        if (cancelled) {
          return;
        }
        if (timedOut) {
          buffer.fail(deadlineError(0, e));
          return;
        }
        Backoff.Decision next = backoff.onDrop(System.nanoTime(), null);
        if (next.retry()) {
          Duration d = next.delay();
          log.warn(
              "elevenlabs: request failed ({}); retry {} of {} in {} ms",
              Errors.redact(e.toString(), cfg.apiKey()),
              next.attempt(),
              retries,
              d.toMillis());
          waitBeforeRetry(d);
          continue;
        }
        buffer.fail(new ConnectionException("elevenlabs: request failed: " + e.getMessage(), e));
        return;
      }
      try (response) {
        if (!response.isSuccessful()) {
          ProviderException error =
              Errors.fromHttp(tts.json(), response.code(), bodyText(response), cfg.apiKey());
          Backoff.Decision next =
              error.isRetryable() ? backoff.onDrop(System.nanoTime(), null) : null;
          if (next != null && next.retry()) {
            Duration d = retryAfter(response);
            if (d == null) {
              d = next.delay();
            }
            if (d.compareTo(cfg.maxRetryDelay()) <= 0
                && d.toNanos() < deadlineNanos - System.nanoTime()) {
              log.warn(
                  "elevenlabs: HTTP {} [{}]; retry {} of {} in {} ms",
                  response.code(),
                  error.errorType(),
                  next.attempt(),
                  retries,
                  d.toMillis());
              response.close();
              waitBeforeRetry(d);
              continue;
            }
          }
          buffer.fail(error);
          return;
        }
        stream(response);
        return;
      }
    }
  }

  private void waitBeforeRetry(Duration d) throws InterruptedException {
    sleeping = Thread.currentThread();
    try {
      if (cancelled || timedOut) {
        return;
      }
      Thread.sleep(d.toMillis(), (int) (d.toNanos() % 1_000_000));
    } catch (InterruptedException e) {
      if (cancelled || timedOut) {
        return;
      }
      throw e;
    } finally {
      sleeping = null;
    }
  }

  /** {@code retry-after} as seconds (possibly fractional) or an HTTP date; null if absent. */
  @Nullable Duration retryAfter(Response response) {
    String h = response.header("retry-after");
    if (h == null || h.isBlank()) {
      return null;
    }
    h = h.trim();
    try {
      double seconds = Double.parseDouble(h);
      return seconds <= 0 ? Duration.ZERO : Duration.ofMillis(Math.round(seconds * 1000));
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(h, DateTimeFormatter.RFC_1123_DATE_TIME);
        Duration d = Duration.between(cfg.clock().instant(), at.toInstant());
        return d.isNegative() ? Duration.ZERO : d;
      } catch (DateTimeParseException e) {
        return null;
      }
    }
  }

  private static String bodyText(Response response) {
    ResponseBody body = response.body();
    try {
      BufferedSource source = body.source();
      source.request(16 * 1024);
      long n = Math.min(source.getBuffer().size(), 16 * 1024);
      return source.getBuffer().readUtf8(n);
    } catch (IOException e) {
      return "";
    }
  }

  private Request buildRequest() {
    String voice = request.voice() != null ? request.voice() : cfg.voiceId();
    HttpUrl.Builder url =
        cfg.baseUrl()
            .newBuilder()
            .addPathSegments("v1/text-to-speech")
            .addPathSegment(voice)
            .addPathSegment("stream");
    if (cfg.alignment()) {
      url.addPathSegment("with-timestamps");
    }
    url.addQueryParameter("output_format", cfg.outputFormat().value());
    url.addQueryParameter("enable_logging", Boolean.toString(cfg.enableLogging()));
    if (cfg.optimizeStreamingLatency() != null) {
      url.addQueryParameter(
          "optimize_streaming_latency", cfg.optimizeStreamingLatency().toString());
    }
    ObjectNode body = tts.json().createObjectNode();
    body.put("text", request.text());
    body.put("model_id", cfg.modelId());
    if (!cfg.voiceSettings().isEmpty()) {
      body.set("voice_settings", Json.voiceSettings(tts.json(), cfg.voiceSettings()));
    }
    if (cfg.languageCode() != null) {
      body.put("language_code", cfg.languageCode());
    }
    if (request.previousText() != null) {
      body.put("previous_text", request.previousText());
    }
    if (request.nextText() != null) {
      body.put("next_text", request.nextText());
    }
    if (cfg.seed() != null) {
      body.put("seed", cfg.seed());
    }
    if (cfg.applyTextNormalization() != null) {
      body.put("apply_text_normalization", cfg.applyTextNormalization());
    }
    return new Request.Builder()
        .url(url.build())
        .header("xi-api-key", cfg.apiKey())
        .post(RequestBody.create(body.toString(), JSON))
        .build();
  }

  private void stream(Response response) throws InterruptedException {
    ResponseBody body = response.body();
    MediaType type = body.contentType();
    if (!cfg.alignment()
        && type != null
        && !"audio".equals(type.type())
        && !"octet-stream".equals(type.subtype())) {
      buffer.fail(
          new ProtocolException(
              "elevenlabs: expected audio but got " + type + " (HTTP " + response.code() + ")",
              null));
      return;
    }
    String requestId = response.header("request-id");
    log.debug(
        "elevenlabs: streaming {} (request-id {})",
        cfg.outputFormat(),
        Errors.redact(String.valueOf(requestId), cfg.apiKey()));
    AudioFormat format = cfg.outputFormat().pcmFormat();
    AudioDecoder decoder = new AudioDecoder(cfg.outputFormat());
    BufferedSource source = body.source();
    long wireBytes = 0;
    boolean first = true;
    try {
      if (cfg.alignment()) {
        while (awaitDemand()) {
          String line = source.readUtf8Line();
          if (line == null) {
            break;
          }
          if (line.isBlank()) {
            continue;
          }
          JsonNode node;
          try {
            node = tts.json().readTree(line);
          } catch (IOException e) {
            log.debug("elevenlabs: skipping a line that is not JSON ({} chars)", line.length());
            continue;
          }
          String b64 = Errors.textOrNull(node.get("audio_base64"));
          byte[] wire = b64 == null ? new byte[0] : Base64.getDecoder().decode(b64);
          wireBytes += wire.length;
          byte[] pcm = decoder.decode(wire, wire.length);
          List<CharTiming> alignment = Alignments.fromHttp(node);
          if (pcm.length == 0 && alignment.isEmpty()) {
            continue;
          }
          if (first && pcm.length > 0) {
            first = false;
            firstByte();
          }
          buffer.submit(new TtsChunk(format, pcm, alignment));
        }
      } else {
        byte[] buf = new byte[READ_BYTES];
        while (awaitDemand()) {
          int n = source.read(buf, 0, buf.length);
          if (n < 0) {
            break;
          }
          wireBytes += n;
          byte[] pcm = decoder.decode(buf, n);
          if (pcm.length == 0) {
            continue;
          }
          if (first) {
            first = false;
            firstByte();
          }
          buffer.submit(new TtsChunk(format, pcm, List.of()));
        }
      }
    } catch (InterruptedIOException e) {
      if (timedOut && !cancelled) {
        buffer.fail(deadlineError(wireBytes, e));
      } else if (!cancelled) {
        buffer.fail(
            new ConnectionException("elevenlabs: read timed out after " + wireBytes + " bytes", e));
      }
      return;
    } catch (IOException e) {
      if (timedOut && !cancelled) {
        buffer.fail(deadlineError(wireBytes, e));
      } else if (!cancelled) {
        buffer.fail(
            new ConnectionException(
                "elevenlabs: the audio stream broke after "
                    + wireBytes
                    + " bytes: "
                    + e.getMessage(),
                e));
      }
      return;
    } catch (IllegalArgumentException e) {
      buffer.fail(new ProtocolException("elevenlabs: bad audio_base64 in the stream", e));
      return;
    }
    if (buffer.isTerminated() || buffer.isCancelled()) {
      return; // cancelled: the call is closed by try-with-resources
    }
    if (decoder.hasPartialSample()) {
      log.debug("elevenlabs: the stream ended mid-sample; the last byte is dropped");
    }
    buffer.complete();
  }

  private void firstByte() {
    Duration latency = Duration.ofNanos(System.nanoTime() - startNanos);
    try {
      cfg.listener().ttsFirstByte(Errors.PROVIDER, latency);
    } catch (RuntimeException e) {
      log.debug("listener threw from ttsFirstByte", e);
    }
  }
}
