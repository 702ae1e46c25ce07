// What the credentials may do, asked of the services themselves: the sample bucket through the
// AWS SDK for JavaScript v3, the items API with SigV4-signed fetch. Every outcome is the
// service's answer; a refusal is shown as the service words it.
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { Sha256 } from "@aws-crypto/sha256-js";
import { SignatureV4 } from "@smithy/signature-v4";
import { endpointOptions, type Settings } from "./config";
import type { AwsCredentials } from "./session";

// allowed, denied (IAM said no), "not owner" (the items function refused another's item), or
// anything else the service answered (shown as such: no answer about permissions).
export interface Outcome {
  verdict: "allowed" | "denied" | "not owner" | "error";
  detail: string;
}

type CredentialProvider = () => Promise<AwsCredentials>;

const allowed = (detail: string): Outcome => ({ verdict: "allowed", detail });

export class Bucket {
  private readonly s3: S3Client;
  // The object each prefix's upload wrote, for its download and delete.
  private readonly written = new Map<string, string>();

  constructor(
    private readonly settings: Settings,
    credentials: CredentialProvider,
  ) {
    const endpoint = endpointOptions(settings);
    this.s3 = new S3Client({
      region: settings.region,
      credentials,
      ...endpoint,
      // The offline endpoint is one host: buckets go in the path there.
      forcePathStyle: Boolean(endpoint.endpoint),
    });
  }

  async list(prefix: string): Promise<Outcome> {
    return s3Outcome(async () => {
      const answer = await this.s3.send(
        new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: prefix, MaxKeys: 20 }),
      );
      const keys = (answer.Contents ?? []).map((object) => object.Key ?? "");
      const first = keys.find((key) => !key.endsWith("/"));
      if (first && !this.written.has(prefix)) this.written.set(prefix, first);
      return allowed(`${keys.length} object(s)`);
    });
  }

  async upload(prefix: string): Promise<Outcome> {
    const key = `${prefix}web-${crypto.randomUUID().slice(0, 8)}.txt`;
    return s3Outcome(async () => {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.settings.bucket,
          Key: key,
          Body: `written from the web sample at ${new Date().toISOString()}`,
          ContentType: "text/plain",
        }),
      );
      this.written.set(prefix, key);
      return allowed(key);
    });
  }

  // The object this prefix's upload wrote, else the first its listing showed.
  async download(prefix: string): Promise<Outcome> {
    const key = this.written.get(prefix) ?? `${prefix}web-nothing-listed.txt`;
    return s3Outcome(async () => {
      const answer = await this.s3.send(
        new GetObjectCommand({ Bucket: this.settings.bucket, Key: key }),
      );
      const text = (await answer.Body?.transformToString()) ?? "";
      return allowed(`${key}: ${text.length} bytes`);
    });
  }

  async remove(prefix: string): Promise<Outcome> {
    const key = this.written.get(prefix) ?? `${prefix}web-nothing-listed.txt`;
    return s3Outcome(async () => {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: key }));
      this.written.delete(prefix);
      return allowed(key);
    });
  }
}

async function s3Outcome(call: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof S3ServiceException) {
      if (error.name === "AccessDenied") return { verdict: "denied", detail: error.name };
      // S3 says NoSuchKey only to a caller allowed to list (otherwise AccessDenied): the read
      // itself was allowed.
      if (error.name === "NoSuchKey") return allowed("NoSuchKey");
      return { verdict: "error", detail: `${error.name}: ${error.message}` };
    }
    // A network failure (a missing CORS header looks like one to the page) or a bug.
    return { verdict: "error", detail: String(error) };
  }
}

// The role the credentials act as: STS names it in the assumed-role ARN.
export async function callerRole(
  settings: Settings,
  credentials: CredentialProvider,
): Promise<{ arn: string; role: string }> {
  const sts = new STSClient({ region: settings.region, credentials, ...endpointOptions(settings) });
  const { Arn: arn = "" } = await sts.send(new GetCallerIdentityCommand({}));
  const role = arn.split(":assumed-role/")[1]?.split("/")[0] ?? arn;
  return { arn, role };
}

// The items API: each request signed with Signature Version 4 for execute-api.
export class ItemsApi {
  constructor(
    private readonly settings: Settings,
    private readonly credentials: CredentialProvider,
  ) {}

  async call(method: string, path: string, body?: unknown): Promise<Outcome> {
    const url = new URL(path, this.settings.custom.items_api_url);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const signer = new SignatureV4({
      service: "execute-api",
      region: this.settings.region,
      credentials: this.credentials,
      sha256: Sha256,
      // No x-amz-content-sha256 header: API Gateway does not need it, and every extra header
      // has to be allowed in CORS.
      applyChecksum: false,
    });
    const headers: Record<string, string> = { host: url.host };
    if (payload !== undefined) headers["content-type"] = "application/json";
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      port: url.port ? Number(url.port) : undefined,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: payload,
    });
    // Browsers set Host themselves (the signature covers the same value).
    const { host: _host, ...sent } = signed.headers;
    let answer: Response;
    try {
      answer = await fetch(url, { method, headers: sent, body: payload });
    } catch (error) {
      return { verdict: "error", detail: `no answer (network or CORS): ${error}` };
    }
    const document = await answer.json().catch(() => null);
    if (answer.ok) return allowed(`HTTP ${answer.status}`);
    const said = document?.Message ?? document?.message ?? document?.error ?? "";
    if (answer.status === 403 && String(document?.Message ?? "").includes("execute-api:Invoke")) {
      return { verdict: "denied", detail: `HTTP 403 ${said}` };
    }
    if (answer.status === 403 && document?.field === "id") {
      return { verdict: "not owner", detail: `HTTP 403 ${said}` };
    }
    return { verdict: "error", detail: `HTTP ${answer.status} ${said}` };
  }
}
