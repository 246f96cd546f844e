#!/bin/sh
# The AOT cache's training run (build/image/Dockerfile runs it; so do ContainerImageIT and the cold-start benchmark):
# the event-source handler under Lambda's runtime interface client, fed by AotTraining, which plays the Runtime API
# and KMS on one loopback port; the database is a port that refuses. The JVM options are the image's own
# (jvm-options), which the cache must match at start-up or the JVM ignores it (a different --enable-native-access
# alone does); the heap is pinned to the function's (1,024 MB at 85 %), so that a build host with a large memory
# cannot switch compressed pointers off in the cache; the JIT settings are the template's JAVA_TOOL_OPTIONS.
# The runtime client's JNI library: AotTraining unpacks a copy of its own into the temporary folder and names it to
# the client, so that on a shared build machine another user's /tmp/.libaws-lambda-jni.so (the client's fixed path)
# cannot stop the training (AotTrainingNativeLibraryTest plays that second user).
# Usage: train.sh <cache file> <class path> [port, default 9001]
set -eu
port=${3:-9001}
export AWS_LAMBDA_RUNTIME_API=127.0.0.1:$port
export AWS_ENDPOINT_URL=http://127.0.0.1:$port
export AWS_REGION=eu-west-2 AWS_ACCESS_KEY_ID=aot-training AWS_SECRET_ACCESS_KEY=aot-training
export AWS_LAMBDA_FUNCTION_NAME=aot-training AWS_LAMBDA_FUNCTION_VERSION=1 AWS_LAMBDA_FUNCTION_MEMORY_SIZE=1024
export AWS_LAMBDA_LOG_GROUP_NAME=aot-training AWS_LAMBDA_LOG_STREAM_NAME=aot-training
export AWS_LAMBDA_INITIALIZATION_TYPE=snap-start
export DB_CONNECTION_STRING="host=127.0.0.1 port=1 dbname=training user=training password=training"
export DB_CONNECT_TIMEOUT_MS=1000
# A ciphertext only in name: the training KMS answers any Decrypt with its throwaway key.
export ENCRYPTION_KEY=YW90LXRyYWluaW5n
unset JAVA_TOOL_OPTIONS
exec java -XX:AOTCacheOutput="$1" @"$(dirname "$0")/jvm-options" -Xmx870m \
  -XX:+TieredCompilation -XX:TieredStopAtLevel=1 -Dorg.crac.Core.Compat=com.amazonaws.services.lambda.crac \
  -cp "$2" uk.gov.ida.eventrecorder.lambda.AotTraining "$port" \
  uk.gov.ida.eventrecorder.lambda.SqsEventStreamHandler::handleRequest
