package dev.audiopipeline.elevenlabs.tts;

import static org.assertj.core.api.Assertions.assertThat;

import dev.audiopipeline.okhttp.NoDelaySocketFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import org.junit.jupiter.api.Test;

/** The transport's socket factory, which this provider's own client uses: Nagle is off. */
class NoDelaySocketTest {
  @Test
  void everySocketHasTcpNoDelay() throws Exception {
    NoDelaySocketFactory f = new NoDelaySocketFactory();
    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    try (ServerSocket server = new ServerSocket(0, 4, loopback);
        Socket unconnected = f.createSocket();
        Socket byAddress = f.createSocket(loopback, server.getLocalPort());
        Socket byName = f.createSocket("127.0.0.1", server.getLocalPort())) {
      assertThat(unconnected.getTcpNoDelay()).isTrue();
      assertThat(byAddress.getTcpNoDelay()).isTrue();
      assertThat(byName.getTcpNoDelay()).isTrue();
    }
  }
}
