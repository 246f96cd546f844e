package uk.gov.ida.eventrecorder.export;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import uk.gov.ida.eventrecorder.digest.ColumnType;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Rows to a Parquet file, streamed: text and JSON as UTF-8 strings, timestamps as {@code INT64 TIMESTAMP(MICROS,
 * isAdjustedToUTC=true)}, integers and booleans as themselves; a NOT NULL column is {@code required}. Snappy, the
 * format's usual codec, in row groups of {@link #ROW_GROUP_BYTES}: what the writer holds in memory at most.
 */
final class ParquetRows implements AutoCloseable {
    static final long ROW_GROUP_BYTES = 32L * 1024 * 1024;

    private final ParquetWriter<Object[]> writer;

    ParquetRows(TableColumns columns, S3Upload out) throws IOException {
        MessageType schema = schema(columns);
        Builder builder = new Builder(file(out), schema, columns.types())
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withRowGroupSize(ROW_GROUP_BYTES)
                .withPageSize(1024 * 1024)
                .withDictionaryEncoding(true)
                .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0);
        // Keys and JSON are (nearly) unique: a dictionary for them is built only to be given up, and building it was
        // the export's largest cost. Services, event types and levels repeat: those keep theirs.
        for (int k : columns.keyIndexes()) {
            builder.withDictionaryEncoding(columns.names().get(k), false);
        }
        // Min/max of JSON text serve no query; keys keep theirs (a reader skips row groups by event_id).
        for (int i = 0; i < columns.types().size(); i++) {
            if (columns.types().get(i) == ColumnType.JSON) {
                builder.withDictionaryEncoding(columns.names().get(i), false);
                builder.withStatisticsEnabled(columns.names().get(i), false);
            }
        }
        // Size statistics (parquet 1.15+) measure every value for a reader's planning; no reader of ours uses them.
        builder.withSizeStatisticsEnabled(false);
        this.writer = builder.build();
    }

    void write(Object[] row) throws IOException {
        writer.write(row);
    }

    @Override
    public void close() throws IOException {
        writer.close();
    }

    static MessageType schema(TableColumns columns) {
        Types.MessageTypeBuilder message = Types.buildMessage();
        for (int i = 0; i < columns.names().size(); i++) {
            Type.Repetition repetition = columns.nullable().get(i) ? Type.Repetition.OPTIONAL : Type.Repetition.REQUIRED;
            String name = columns.names().get(i);
            switch (columns.types().get(i)) {
                case TEXT, JSON -> message.primitive(PrimitiveTypeName.BINARY, repetition)
                        .as(LogicalTypeAnnotation.stringType()).named(name);
                case INT32 -> message.primitive(PrimitiveTypeName.INT32, repetition).named(name);
                case INT64 -> message.primitive(PrimitiveTypeName.INT64, repetition).named(name);
                case BOOLEAN -> message.primitive(PrimitiveTypeName.BOOLEAN, repetition).named(name);
                case TIMESTAMP -> message.primitive(PrimitiveTypeName.INT64, repetition)
                        .as(LogicalTypeAnnotation.timestampType(true, LogicalTypeAnnotation.TimeUnit.MICROS))
                        .named(name);
            }
        }
        return message.named("row");
    }

    private static OutputFile file(S3Upload out) {
        return new OutputFile() {
            @Override
            public PositionOutputStream create(long blockSizeHint) {
                return stream(out);
            }

            @Override
            public PositionOutputStream createOrOverwrite(long blockSizeHint) {
                return stream(out);
            }

            @Override
            public boolean supportsBlockSize() {
                return false;
            }

            @Override
            public long defaultBlockSize() {
                return 0;
            }

            @Override
            public String getPath() {
                return out.key();
            }
        };
    }

    private static PositionOutputStream stream(S3Upload out) {
        return new PositionOutputStream() {
            @Override
            public long getPos() {
                return out.position();
            }

            @Override
            public void write(int b) {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                out.write(b, off, len);
            }
        };
    }

    private static final class Builder extends ParquetWriter.Builder<Object[], Builder> {
        private final MessageType schema;
        private final List<ColumnType> types;

        Builder(OutputFile file, MessageType schema, List<ColumnType> types) {
            super(file);
            this.schema = schema;
            this.types = types;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Object[]> getWriteSupport(Configuration conf) {
            return new RowWriteSupport(schema, types);
        }
    }

    private static final class RowWriteSupport extends WriteSupport<Object[]> {
        private final MessageType schema;
        private final ColumnType[] types;
        private final String[] names;
        private RecordConsumer consumer;

        RowWriteSupport(MessageType schema, List<ColumnType> types) {
            this.schema = schema;
            this.types = types.toArray(ColumnType[]::new);
            this.names = schema.getFields().stream().map(Type::getName).toArray(String[]::new);
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(schema, Map.of("writer", "event-recorder-export"));
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.consumer = recordConsumer;
        }

        @Override
        public void write(Object[] row) {
            consumer.startMessage();
            for (int i = 0; i < types.length; i++) {
                Object value = row[i];
                if (value == null) {
                    continue;
                }
                consumer.startField(names[i], i);
                switch (types[i]) {
                    case TEXT, JSON -> consumer.addBinary(value instanceof byte[] b ? Binary.fromConstantByteArray(b)
                            : Binary.fromString((String) value));
                    case INT32 -> consumer.addInteger((Integer) value);
                    case INT64, TIMESTAMP -> consumer.addLong((Long) value);
                    case BOOLEAN -> consumer.addBoolean((Boolean) value);
                }
                consumer.endField(names[i], i);
            }
            consumer.endMessage();
        }
    }
}
