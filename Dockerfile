# One image for every Tally part; the command picks the part (gateway, processor, up, broker).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -q -DskipTests install

FROM eclipse-temurin:17-jre
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app tally && mkdir -p /app/data && chown tally /app/data
WORKDIR /app
COPY --from=build /src/launcher/target/tally.jar /app/tally.jar
COPY tally.yaml /app/tally.yaml
USER tally
ENTRYPOINT ["java", "-jar", "/app/tally.jar"]
CMD ["--help"]
