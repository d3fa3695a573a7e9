package dev.audiopipeline.livekit.agent;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import livekit.LivekitAgent;
import livekit.LivekitAgent.ServerMessage;
import livekit.LivekitAgent.WorkerMessage;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import okhttp3.Response;
import okhttp3.WebSocket;
import okhttp3.WebSocketListener;
import okio.ByteString;
import org.jspecify.annotations.Nullable;

/**
 * A protocol-exact fake of livekit-server's {@code /agent} endpoint on 127.0.0.1: binary {@code
 * WorkerMessage} in, {@code ServerMessage} out (the generated classes of {@code
 * livekit_agent.proto}). It answers {@code RegisterWorkerRequest} with a {@code
 * RegisterWorkerResponse} and {@code WorkerPing} with {@code WorkerPong}, as the server does; the
 * test sends everything else and reads what the worker sent, with receipt times.
 */
final class FakeAgentServer implements AutoCloseable {
  private final MockWebServer server = new MockWebServer();
  private final List<Conn> connections = new ArrayList<>();

  FakeAgentServer() {
    server.setDispatcher(
        new Dispatcher() {
          @Override
          public MockResponse dispatch(RecordedRequest request) {
            if (!request.getUrl().encodedPath().equals("/agent")) {
              return new MockResponse.Builder().code(404).build();
            }
            Conn c;
            synchronized (FakeAgentServer.this) {
              c = new Conn(connections.size(), request.getHeaders().get("Authorization"));
              connections.add(c);
              FakeAgentServer.this.notifyAll();
            }
            return new MockResponse.Builder().webSocketUpgrade(c).build();
          }
        });
    try {
      server.start(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String url() {
    return "ws://127.0.0.1:" + server.getPort();
  }

  synchronized int connectionCount() {
    return connections.size();
  }

  /** The index-th {@code /agent} connection, once its WebSocket is open. */
  Conn awaitConnection(int index, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Conn c;
    synchronized (this) {
      while (connections.size() <= index) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("no /agent connection #" + index + " within " + timeout);
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      c = connections.get(index);
    }
    c.awaitOpen(deadline);
    return c;
  }

  @Override
  public void close() throws IOException {
    List<Conn> all;
    synchronized (this) {
      all = new ArrayList<>(connections);
    }
    for (Conn c : all) {
      c.closeQuietly();
    }
    server.close();
  }

  /** A message the worker sent and when it arrived. */
  record Received(long atNanos, WorkerMessage message) {}

  /** One {@code /agent} WebSocket. */
  static final class Conn extends WebSocketListener {
    final int index;
    final @Nullable String authorization;
    private final List<Received> received = new ArrayList<>();
    private @Nullable WebSocket ws;
    private boolean closed;
    private boolean dropOnNext;
    private boolean holdPongs;
    private final List<ServerMessage> heldPongs = new ArrayList<>();

    Conn(int index, @Nullable String authorization) {
      this.index = index;
      this.authorization = authorization;
    }

    @Override
    public synchronized void onOpen(WebSocket webSocket, Response response) {
      ws = webSocket;
      notifyAll();
    }

    @Override
    public void onMessage(WebSocket webSocket, ByteString bytes) {
      long at = System.nanoTime();
      synchronized (this) {
        if (dropOnNext) {
          dropOnNext = false;
          throw new IllegalStateException("connection #" + index + " dropped by the test");
        }
      }
      WorkerMessage m;
      try {
        m = WorkerMessage.parseFrom(bytes.toByteArray());
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("the worker sent an unparsable WorkerMessage", e);
      }
      switch (m.getMessageCase()) {
        case REGISTER ->
            send(
                ServerMessage.newBuilder()
                    .setRegister(
                        LivekitAgent.RegisterWorkerResponse.newBuilder()
                            .setWorkerId("AW_fake_" + index))
                    .build());
        case PING -> {
          ServerMessage pong =
              ServerMessage.newBuilder()
                  .setPong(
                      LivekitAgent.WorkerPong.newBuilder()
                          .setLastTimestamp(m.getPing().getTimestamp())
                          .setTimestamp(System.currentTimeMillis()))
                  .build();
          boolean hold;
          synchronized (this) {
            hold = holdPongs;
            if (hold) {
              heldPongs.add(pong);
            }
          }
          if (!hold) {
            send(pong);
          }
        }
        default -> {}
      }
      synchronized (this) {
        received.add(new Received(at, m));
        notifyAll();
      }
    }

    @Override
    public void onMessage(WebSocket webSocket, String text) {
      throw new AssertionError("the worker sent a text frame: " + text);
    }

    @Override
    public void onClosing(WebSocket webSocket, int code, String reason) {
      webSocket.close(1000, null); // answer the worker's close, as the server does
    }

    @Override
    public synchronized void onClosed(WebSocket webSocket, int code, String reason) {
      closed = true;
      notifyAll();
    }

    @Override
    public synchronized void onFailure(WebSocket webSocket, Throwable t, @Nullable Response r) {
      closed = true;
      notifyAll();
    }

    private synchronized void awaitOpen(long deadline) throws InterruptedException {
      while (ws == null) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError("connection #" + index + " did not open");
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    void send(ServerMessage m) {
      WebSocket w;
      synchronized (this) {
        w = ws;
      }
      if (w == null || !w.send(ByteString.of(m.toByteArray()))) {
        throw new AssertionError("cannot send on connection #" + index);
      }
    }

    /**
     * Drops the TCP connection without a close handshake (as a dying server or network does) when
     * the next message of the worker arrives: MockWebServer closes the socket of a listener that
     * throws.
     */
    synchronized void dropOnNextMessage() {
      dropOnNext = true;
    }

    /**
     * Withholds {@code WorkerPong}s (as a server that has not got to the worker's messages yet)
     * until {@link #releasePongs()}.
     */
    synchronized void holdPongs() {
      holdPongs = true;
    }

    /** Sends the withheld pongs and answers pings at once again. */
    void releasePongs() {
      List<ServerMessage> out;
      synchronized (this) {
        holdPongs = false;
        out = new ArrayList<>(heldPongs);
        heldPongs.clear();
      }
      out.forEach(this::send);
    }

    /** Every message so far. */
    synchronized List<Received> all() {
      return new ArrayList<>(received);
    }

    /** How many messages arrived so far: a mark for {@link #await(int, Predicate, Duration)}. */
    synchronized int mark() {
      return received.size();
    }

    /** The first message at or after {@code from} that matches; fails after {@code timeout}. */
    synchronized Received await(int from, Predicate<WorkerMessage> p, Duration timeout)
        throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      int i = from;
      while (true) {
        for (; i < received.size(); i++) {
          if (p.test(received.get(i).message())) {
            return received.get(i);
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new AssertionError(
              "connection #"
                  + index
                  + ": no matching message within "
                  + timeout
                  + "; got "
                  + received);
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
    }

    private void closeQuietly() {
      WebSocket w;
      synchronized (this) {
        w = ws;
      }
      if (w != null) {
        w.close(1001, "server shutting down");
      }
    }
  }
}
