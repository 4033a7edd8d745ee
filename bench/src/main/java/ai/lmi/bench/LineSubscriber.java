package ai.lmi.bench;

import java.util.concurrent.Flow;
import java.util.function.Consumer;

/** Hands each line of a response body to a consumer as soon as it is decoded. */
final class LineSubscriber implements Flow.Subscriber<String> {

    private final Consumer<String> consumer;

    LineSubscriber(Consumer<String> consumer) {
        this.consumer = consumer;
    }

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        subscription.request(Long.MAX_VALUE);
    }

    @Override
    public void onNext(String line) {
        consumer.accept(line);
    }

    @Override
    public void onError(Throwable throwable) {
        // The exchange's future fails with the same error; it is recorded there.
    }

    @Override
    public void onComplete() {
        // The exchange's future completes next; the record is finished there.
    }
}
