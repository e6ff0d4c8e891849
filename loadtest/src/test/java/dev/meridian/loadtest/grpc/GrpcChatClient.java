package dev.meridian.loadtest.grpc;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.WireFormat;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A grpc-java client of the simulated gateway's gRPC services, for tests: {@code meridian.sim.v1.Chat/Converse}
 * through a hand-written {@link MethodDescriptor} whose marshaller uses protobuf's
 * {@link CodedOutputStream}/{@link CodedInputStream} (independent of the gateway's own encoder, so
 * each checks the other), and {@code grpc.health.v1.Health/Check} through grpc-services' stub.
 *
 * <pre>{@code
 * try (GrpcChatClient client = GrpcChatClient.plaintext("127.0.0.1", gateway.port());
 *      GrpcChatClient.Conversation chat = client.converse(new Metadata())) {
 *     chat.send(new GrpcChatClient.ChatMessage("hi", 1, ""));
 *     GrpcChatClient.ChatMessage reply = chat.nextReply(Duration.ofSeconds(5));   // region = gateway name
 *     chat.halfClose();
 *     assertThat(chat.awaitClose(Duration.ofSeconds(5)).isOk()).isTrue();
 * }
 * }</pre>
 *
 * <p>Works over h2c ({@link #plaintext}) and TLS ({@link #tls}, trusting one CA), against the
 * gateway or anything in front of it. Every wait is bounded by the duration it is given.
 */
public final class GrpcChatClient implements AutoCloseable {

    /** {@code meridian.sim.v1.Chat/Converse}. */
    public static final String CONVERSE = "meridian.sim.v1.Chat/Converse";
    /** Request metadata: the gateway answers with this status, trailers-only (e.g. {@code unavailable}). */
    public static final Metadata.Key<String> SIM_FAIL = Metadata.Key.of("x-sim-fail", Metadata.ASCII_STRING_MARSHALLER);
    /** Request metadata: a delay before the gateway's first answer (e.g. {@code 200ms}). */
    public static final Metadata.Key<String> SIM_DELAY_FIRST =
            Metadata.Key.of("x-sim-delay-first", Metadata.ASCII_STRING_MARSHALLER);
    /** Response metadata: the name of the gateway that answered. */
    public static final Metadata.Key<String> SIM_GATEWAY = Metadata.Key.of("x-sim-gateway", Metadata.ASCII_STRING_MARSHALLER);

    private static final MethodDescriptor.Marshaller<ChatMessage> MARSHALLER = new ChatMessageMarshaller();
    private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

    private final ManagedChannel channel;

    private GrpcChatClient(ManagedChannel channel) {
        this.channel = channel;
    }

    /** A client over h2c with prior knowledge to {@code host:port}. */
    public static GrpcChatClient plaintext(String host, int port) {
        return of(host, port, InsecureChannelCredentials.create());
    }

    /** A client over TLS (ALPN h2) to {@code host:port}, trusting only the CA in {@code caCertificatePem}. */
    public static GrpcChatClient tls(String host, int port, Path caCertificatePem) {
        try {
            return of(host, port, TlsChannelCredentials.newBuilder().trustManager(caCertificatePem.toFile()).build());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static GrpcChatClient of(String host, int port, ChannelCredentials credentials) {
        return new GrpcChatClient(Grpc.newChannelBuilderForAddress(host, port, credentials).build());
    }

    /** The {@code Converse} descriptor, or another bidi method with the same messages (e.g. an unknown one). */
    public static MethodDescriptor<ChatMessage, ChatMessage> method(String fullMethodName) {
        return MethodDescriptor.<ChatMessage, ChatMessage>newBuilder()
                .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                .setFullMethodName(fullMethodName)
                .setRequestMarshaller(MARSHALLER)
                .setResponseMarshaller(MARSHALLER)
                .build();
    }

    /** The underlying channel, for stubs of other services. */
    public ManagedChannel channel() {
        return channel;
    }

    /** Starts a {@code Converse} call with {@code headers} as request metadata. */
    public Conversation converse(Metadata headers) {
        return call(CONVERSE, headers);
    }

    /** Starts a bidi call of {@code fullMethodName} (exchanging ChatMessages) with {@code headers}. */
    public Conversation call(String fullMethodName, Metadata headers) {
        ClientCall<ChatMessage, ChatMessage> call = channel.newCall(method(fullMethodName), CallOptions.DEFAULT);
        Conversation conversation = new Conversation(call);
        call.start(conversation.listener(), headers);
        call.request(1);
        return conversation;
    }

    /**
     * {@code grpc.health.v1.Health/Check} for {@code service} ({@code ""}: the server as a whole).
     *
     * @throws io.grpc.StatusRuntimeException when the call fails (e.g. {@code NOT_FOUND} for an unknown service)
     */
    public HealthCheckResponse.ServingStatus health(String service, Duration timeout) {
        return HealthGrpc.newBlockingStub(channel)
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .check(HealthCheckRequest.newBuilder().setService(service).build())
                .getStatus();
    }

    /** Shuts the channel down, waiting a few seconds at most. */
    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code meridian.sim.v1.ChatMessage}: {@code string text = 1; int64 seq = 2; string region = 3;}. */
    public record ChatMessage(String text, long seq, String region) {
        /** Validates that the strings are given. */
        public ChatMessage {
            requireNonNull(text, "text");
            requireNonNull(region, "region");
        }
    }

    /** How a call ended: its status and trailers. */
    public record Outcome(Status status, Metadata trailers) {
    }

    /**
     * One bidi call: send messages, take replies one at a time, half-close, await the status. Replies
     * are requested one by one as they are taken ({@link #nextReply}) unless {@link #requestAll()}.
     * Closing cancels the call if it has not ended.
     */
    public static final class Conversation implements AutoCloseable {

        private final ClientCall<ChatMessage, ChatMessage> call;
        private final BlockingQueue<ChatMessage> replies = new LinkedBlockingQueue<>();
        private final CompletableFuture<Metadata> headers = new CompletableFuture<>();
        private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        private volatile boolean autoRequest = true;

        private Conversation(ClientCall<ChatMessage, ChatMessage> call) {
            this.call = call;
        }

        /** Sends one message (buffered by grpc-java when flow control holds it back). */
        public void send(ChatMessage message) {
            call.sendMessage(message);
        }

        /** Whether grpc-java would send a message now without buffering it (HTTP/2 flow control). */
        public boolean isReady() {
            return call.isReady();
        }

        /** Stops requesting replies as they arrive: the server's answers are then held back by flow control. */
        public void pauseReplies() {
            autoRequest = false;
        }

        /** Requests every further reply. */
        public void requestAll() {
            autoRequest = true;
            call.request(Integer.MAX_VALUE);
        }

        /** Half-closes: no more messages from the client. */
        public void halfClose() {
            call.halfClose();
        }

        /**
         * The next reply, waiting at most {@code timeout}.
         *
         * @throws IllegalStateException when none came in time (saying how the call ended, if it did)
         */
        public ChatMessage nextReply(Duration timeout) throws InterruptedException {
            ChatMessage reply = replies.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (reply == null) {
                throw new IllegalStateException("no reply within " + timeout
                        + (outcome.isDone() ? "; the call ended with " + outcome.join().status() : ""));
            }
            return reply;
        }

        /** Replies received and not taken yet. */
        public int pendingReplies() {
            return replies.size();
        }

        /** The response headers, or null when the call ended without any (a trailers-only response). */
        public @Nullable Metadata awaitHeaders(Duration timeout) throws InterruptedException, TimeoutException {
            CompletableFuture<?> first = CompletableFuture.anyOf(headers, outcome);
            await(first, timeout);
            return headers.isDone() ? headers.join() : null;
        }

        /** The call's status, waiting at most {@code timeout} for it to end. */
        public Status awaitClose(Duration timeout) throws InterruptedException, TimeoutException {
            return awaitOutcome(timeout).status();
        }

        /** The call's status and trailers, waiting at most {@code timeout}. */
        public Outcome awaitOutcome(Duration timeout) throws InterruptedException, TimeoutException {
            await(outcome, timeout);
            return outcome.join();
        }

        /** Whether the response headers (not trailers-only) were received. */
        public boolean receivedHeaders() {
            return headers.isDone();
        }

        @Override
        public void close() {
            if (!outcome.isDone()) {
                call.cancel("test done", null);
            }
        }

        private static void await(CompletableFuture<?> future, Duration timeout) throws InterruptedException, TimeoutException {
            try {
                future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause());
            }
        }

        private ClientCall.Listener<ChatMessage> listener() {
            return new ClientCall.Listener<>() {
                @Override
                public void onHeaders(Metadata responseHeaders) {
                    headers.complete(responseHeaders);
                }

                @Override
                public void onMessage(ChatMessage message) {
                    replies.add(message);
                    if (autoRequest) {
                        call.request(1);
                    }
                }

                @Override
                public void onClose(Status status, Metadata trailers) {
                    outcome.complete(new Outcome(status, trailers));
                }
            };
        }
    }

    /** ChatMessage on the wire, with protobuf's own coded streams (proto3: default values are omitted). */
    private static final class ChatMessageMarshaller implements MethodDescriptor.Marshaller<ChatMessage> {

        @Override
        public InputStream stream(ChatMessage value) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            try {
                if (!value.text().isEmpty()) {
                    out.writeString(1, value.text());
                }
                if (value.seq() != 0) {
                    out.writeInt64(2, value.seq());
                }
                if (!value.region().isEmpty()) {
                    out.writeString(3, value.region());
                }
                out.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new ByteArrayInputStream(bytes.toByteArray());
        }

        @Override
        public ChatMessage parse(InputStream stream) {
            CodedInputStream in = CodedInputStream.newInstance(stream);
            String text = "";
            long seq = 0;
            String region = "";
            try {
                for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                    switch (tag) {
                        case 1 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> text = in.readString();
                        case 2 << 3 | WireFormat.WIRETYPE_VARINT -> seq = in.readInt64();
                        case 3 << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED -> region = in.readString();
                        default -> in.skipField(tag);
                    }
                }
            } catch (IOException e) {
                throw io.grpc.Status.INTERNAL.withDescription("bad ChatMessage").withCause(e).asRuntimeException();
            }
            return new ChatMessage(text, seq, region);
        }
    }
}
