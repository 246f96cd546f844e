package uk.gov.ida.eventrecorder.store;

/** What became of one event's audit row. */
public record StoreResult(Status status, String detail) {
    public enum Status {
        /** Newly written by this call. */
        RECORDED,
        /** Already present (an earlier delivery, or an earlier copy in the same batch). */
        DUPLICATE,
        /** The database refused the row (a constraint or value error); other rows of the batch are unaffected. */
        REJECTED
    }

    static final StoreResult RECORDED = new StoreResult(Status.RECORDED, "");
    static final StoreResult DUPLICATE = new StoreResult(Status.DUPLICATE, "");

    static StoreResult rejected(String detail) {
        return new StoreResult(Status.REJECTED, detail);
    }
}
