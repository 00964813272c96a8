/**
 * Starts the whole local stack (embedded PostgreSQL, auth, chat, LLM stub, web, Traefik) with
 * the team's launcher, on free ports and a fresh data folder, and stops it afterwards. Mail
 * goes to a real SMTP server started here (parley_testing.mailbox), which writes each message
 * to a folder the tests read (PARLEY_E2E_MAILBOX, see helpers.ts). The launcher gives chat its
 * dev catalog: two models on the one stub, "Parley stub" (default) and "Parley stub large"
 * (deploy/local/parley_devstack/catalog.py), which models.spec.ts picks between.
 *
 * Single sign-on: a real OpenID Provider (node-oidc-provider, `parley-oidc-provider` of
 * tests/support) is started first and named to auth in OIDC_PROVIDERS; its accounts live in a
 * JSON file the specs add to (PARLEY_E2E_OIDC_CONFIG, see helpers.ts). The first admin is made
 * as an operator would: ADMIN_EMAILS names E2E_ADMIN_EMAIL, promoted when it logs in.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

import { E2E_ADMIN_EMAIL, SSO_PROVIDER } from "./helpers";

const REPO_ROOT = resolve(__dirname, "..", "..", "..");
const RESULTS = resolve(__dirname, "..", "test-results");
const OIDC_DIR = join(REPO_ROOT, "tests", "support", "oidc");

function portIsFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once("error", () => done(false));
    server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
  });
}

/**
 * First of `count` consecutive free ports, below Linux's ephemeral range (32768+) where the
 * machine's outgoing connections could take a port between this check and the service's bind.
 */
async function freePortBlock(count: number): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const base = 20000 + Math.floor(Math.random() * (12000 - count));
    const free = await Promise.all(Array.from({ length: count }, (_, i) => portIsFree(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no block of ${count} free ports found`);
}

async function waitFor(url: string, child: ChildProcess | null, timeoutMs: number, log: string) {
  const deadline = Date.now() + timeoutMs;
  let last = "no answer";
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`the launcher exited (${child.exitCode}) before ${url} answered; see ${log}`);
    }
    try {
      const response = await fetch(url, { redirect: "manual" });
      if (response.ok) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`${url} not ready after ${timeoutMs / 1000}s (${last}); see ${log}`);
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

/** The SMTP server auth sends to; each message becomes a JSON file in `dir`. */
async function startMailbox(port: number, dir: string, logFd: number): Promise<ChildProcess> {
  const child = spawn(
    "uv",
    ["run", "--frozen", "python", "-m", "parley_testing.mailbox", "--port", String(port), "--dir", dir],
    { cwd: REPO_ROOT, detached: true, stdio: ["ignore", logFd, logFd] },
  );
  const deadline = Date.now() + 60_000;
  while (!(await portAnswers(port))) {
    if (child.exitCode !== null) throw new Error(`the mailbox exited (${child.exitCode}); see test-results/mailbox.log`);
    if (Date.now() > deadline) throw new Error("the mailbox did not start in 60 s; see test-results/mailbox.log");
    await new Promise((r) => setTimeout(r, 200));
  }
  return child;
}

/** node-oidc-provider's packages (`make oidc-provider` does the same). */
function installOidcProvider() {
  if (existsSync(join(OIDC_DIR, "node_modules", "oidc-provider"))) return;
  const npm = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: OIDC_DIR, stdio: "inherit" });
  if (npm.status !== 0) throw new Error(`npm ci in ${OIDC_DIR} failed`);
}

/**
 * The OpenID Provider auth signs users in with; its own login form takes any password.
 * Accounts are read from `configPath` at every look-up, so specs add theirs while it runs.
 */
async function startOidcProvider(port: number, gatewayPort: number, configPath: string, logFd: number) {
  installOidcProvider();
  const client = {
    client_id: "parley-e2e",
    client_secret: randomBytes(24).toString("hex"),
    redirect_uris: [`http://localhost:${gatewayPort}/auth/sso/${SSO_PROVIDER.id}/callback`],
  };
  writeFileSync(configPath, JSON.stringify({ port, clients: [client], accounts: {} }, null, 2));
  const child = spawn(
    "uv",
    ["run", "--frozen", "parley-oidc-provider", "--port", String(port), "--config", configPath],
    { cwd: REPO_ROOT, detached: true, stdio: ["ignore", logFd, logFd] },
  );
  const issuer = `http://127.0.0.1:${port}`;
  await waitFor(`${issuer}/.well-known/openid-configuration`, child, 60_000, "test-results/oidc.log");
  const provider = {
    id: SSO_PROVIDER.id,
    name: SSO_PROVIDER.name,
    discovery_url: `${issuer}/.well-known/openid-configuration`,
    client_id: client.client_id,
    client_secret: client.client_secret,
    groups_claim: "groups",
    create_groups: true,
  };
  return { child, providers: JSON.stringify([provider]) };
}

export default async function globalSetup() {
  const existing = process.env.PARLEY_E2E_URL;
  if (existing) {
    await waitFor(`${existing}/auth/healthz`, null, 30_000, "your stack");
    return;
  }
  const base = await freePortBlock(8);
  const [gateway, admin, auth, chat, web, stub, smtp, oidc] = Array.from({ length: 8 }, (_, i) => base + i);
  const dataDir = mkdtempSync(join(tmpdir(), "parley-e2e-"));
  const mailDir = join(dataDir, "mailbox");
  mkdirSync(RESULTS, { recursive: true });
  const mailbox = await startMailbox(smtp, mailDir, openSync(join(RESULTS, "mailbox.log"), "w"));
  process.env.PARLEY_E2E_MAILBOX = mailDir;
  const oidcConfig = join(dataDir, "oidc-provider.json");
  let provider: Awaited<ReturnType<typeof startOidcProvider>>;
  try {
    provider = await startOidcProvider(oidc, gateway, oidcConfig, openSync(join(RESULTS, "oidc.log"), "w"));
  } catch (error) {
    if (mailbox.exitCode === null && mailbox.pid) process.kill(-mailbox.pid, "SIGTERM");
    throw error;
  }
  process.env.PARLEY_E2E_OIDC_CONFIG = oidcConfig;
  const logPath = join(RESULTS, "stack.log");
  const logFd = openSync(logPath, "w");
  const child = spawn("uv", ["run", "--frozen", "parley-dev"], {
    cwd: REPO_ROOT,
    detached: true, // own process group: teardown stops every process of the stack at once
    stdio: ["ignore", logFd, logFd],
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      GATEWAY_PORT: String(gateway),
      GATEWAY_ADMIN_PORT: String(admin),
      AUTH_PORT: String(auth),
      CHAT_PORT: String(chat),
      WEB_PORT: String(web),
      LLM_STUB_PORT: String(stub),
      // The production build of the web client, as users get it.
      WEB_MODE: "start",
      NEXT_TELEMETRY_DISABLED: "1",
      // Test-only: cheap password hashing, and room for a few dozen logins/refreshes a minute
      // from one IP (the suite is one client doing what many users would).
      PASSWORD_HASH_PROFILE: "fast",
      // The shortest access token the auth service allows, so pages refresh during the suite.
      ACCESS_TOKEN_TTL_SECONDS: "30",
      GATEWAY_AUTH_RATE_AVERAGE: "600",
      GATEWAY_AUTH_RATE_BURST: "200",
      // Auth's own per-address limits, raised the same way: every account of the suite registers
      // from 127.0.0.1. The per-email and per-user limits stay as shipped.
      RATE_LIMIT_REGISTER_PER_ADDRESS: "1000/3600",
      RATE_LIMIT_MAIL_PER_ADDRESS: "1000/3600",
      // Auth mails through the mailbox above: plain SMTP on loopback, no STARTTLS.
      SMTP_HOST: "127.0.0.1",
      SMTP_PORT: String(smtp),
      SMTP_STARTTLS: "false",
      SMTP_FROM: "Parley <no-reply@parley-e2e.com>",
      // The first admin, as an operator makes one: promoted when it logs in (no verification
      // needed outside production).
      ADMIN_EMAILS: E2E_ADMIN_EMAIL,
      // Chat reads auth's account changes (roles, groups, deactivation) this often; the
      // shipped 10 s keeps the promised minute too, but the suite need not wait that long.
      ACCOUNT_CHANGES_POLL_SECONDS: "2",
      // lists.spec.ts makes 120 turns of one user through the API within a minute or two; the
      // shipped 30 messages a minute would refuse most (usage.spec.ts reads this figure).
      USER_TURNS_PER_MINUTE: "1000",
      OIDC_PROVIDERS: provider.providers,
    },
  });
  const url = `http://localhost:${gateway}`;
  process.env.PARLEY_E2E_URL = url;
  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      // SIGINT is Ctrl-C for the launcher: honcho stops every process, then PostgreSQL stops.
      process.kill(-child.pid, "SIGINT");
      const exited = new Promise((r) => child.once("exit", r));
      const timeout = new Promise((r) => setTimeout(r, 15_000, "timeout"));
      if ((await Promise.race([exited, timeout])) === "timeout") process.kill(-child.pid, "SIGKILL");
    }
    if (mailbox.exitCode === null && mailbox.pid) process.kill(-mailbox.pid, "SIGTERM");
    if (provider.child.exitCode === null && provider.child.pid) process.kill(-provider.child.pid, "SIGTERM");
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    // Includes `npm run build` inside the launcher (about a minute on 2 cores).
    await waitFor(`${url}/auth/healthz`, child, 300_000, logPath);
    await waitFor(`${url}/api/healthz`, child, 60_000, logPath);
    await waitFor(`${url}/login`, child, 120_000, logPath);
  } catch (error) {
    await stop();
    throw error;
  }
  return stop;
}
