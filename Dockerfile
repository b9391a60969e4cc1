# `docker build --target cli -t sessionlab .`: the sessionlab command, to check a running target.
FROM node:20-bookworm-slim AS cli
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY . .
USER node
ENTRYPOINT ["node", "bin/sessionlab.js"]

# One sessionlab reference-server node (docker-compose.yml runs three behind nginx).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY session ./session
COPY stores ./stores
COPY reference-servers ./reference-servers
USER node
EXPOSE 8080
ENTRYPOINT ["node", "--import", "tsx", "reference-servers/main.ts", "--host", "0.0.0.0", "--port", "8080"]
