// Signing in and the identity pool credentials that follow, refreshed before they expire.
//
// Two ways in:
// - the user pool, through Amplify JS (SRP; the app client allows nothing else), with the
//   challenges Cognito may ask for: a TOTP code, TOTP enrolment (MFA_SETUP), a new password;
//   Amplify then gets the identity pool credentials (enhanced flow);
// - a developer-authenticated user: POST /login answers an identity id and an identity pool
//   token, which GetCredentialsForIdentity turns into credentials (enhanced flow too).
import {
  CognitoIdentityClient,
  GetCredentialsForIdentityCommand,
} from "@aws-sdk/client-cognito-identity";
import { confirmSignIn, fetchAuthSession, signIn, signOut } from "aws-amplify/auth";
import { endpointOptions, type Settings } from "./config";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

export interface Identity {
  flow: "user pool" | "developer";
  identityId: string;
  groups: string[];
  tags: Record<string, string>; // the session tags the identity pool passes to STS
}

// What Cognito asks next; "done" once signed in.
export type Step =
  | { kind: "done" }
  | { kind: "totp" }
  | { kind: "totp-setup"; secret: string }
  | { kind: "new-password" };

// Refresh this long before expiry (a quarter of the lifetime for short-lived credentials).
const REFRESH_MARGIN_MS = 5 * 60 * 1000;
const DEVELOPER_LOGIN = "cognito-identity.amazonaws.com";
const TAGS_CLAIM = "https://aws.amazon.com/tags";

export class Session {
  identity: Identity | null = null;
  refreshes = 0;
  private current: AwsCredentials | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private developerToken: string | null = null;

  constructor(
    private readonly settings: Settings,
    private readonly changed: (session: Session, problem?: string) => void,
  ) {}

  get credentialsExpiry(): Date | null {
    return this.current?.expiration ?? null;
  }

  // The SDK's credential provider: the current credentials, refreshed first when due.
  readonly credentials = async (): Promise<AwsCredentials> => {
    if (!this.current) throw new Error("signed out");
    if (this.due(this.current)) await this.refresh();
    if (!this.current) throw new Error("signed out");
    return this.current;
  };

  // User pool --------------------------------------------------------------------------------

  async signInWithUserPool(username: string, password: string): Promise<Step> {
    await this.signOut(); // Amplify keeps one user signed in
    const answer = await signIn({ username, password });
    return this.next(answer.nextStep);
  }

  async answer(response: string): Promise<Step> {
    const answer = await confirmSignIn({ challengeResponse: response });
    return this.next(answer.nextStep);
  }

  private async next(step: { signInStep: string; totpSetupDetails?: { sharedSecret: string } }) {
    switch (step.signInStep) {
      case "DONE":
        await this.startUserPool();
        return { kind: "done" } as const;
      case "CONFIRM_SIGN_IN_WITH_TOTP_CODE":
        return { kind: "totp" } as const;
      case "CONTINUE_SIGN_IN_WITH_TOTP_SETUP":
        return { kind: "totp-setup", secret: step.totpSetupDetails?.sharedSecret ?? "" } as const;
      case "CONFIRM_SIGN_IN_WITH_NEW_PASSWORD_REQUIRED":
        return { kind: "new-password" } as const;
      default:
        throw new Error(`sign-in step ${step.signInStep} is not handled by this page`);
    }
  }

  private async startUserPool(): Promise<void> {
    const session = await fetchAuthSession();
    const claims = session.tokens?.idToken?.payload ?? {};
    const tags: Record<string, string> = {};
    for (const [tag, claim] of Object.entries(this.settings.custom.principal_tags)) {
      if (typeof claims[claim] === "string") tags[tag] = claims[claim] as string;
    }
    const groups = claims["cognito:groups"];
    this.identity = {
      flow: "user pool",
      identityId: requireValue(session.identityId, "identity id"),
      groups: Array.isArray(groups) ? groups.map(String) : [],
      tags,
    };
    this.use(fromAmplify(session.credentials));
  }

  // Developer-authenticated identities ---------------------------------------------------------

  async signInAsDeveloper(username: string, password: string): Promise<void> {
    await this.signOut();
    const answer = await fetch(this.settings.custom.login_url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    const body = await answer.json().catch(() => ({}));
    if (!answer.ok) {
      throw new Error(`POST /login: HTTP ${answer.status} ${body.error ?? body.message ?? ""}`);
    }
    this.developerToken = body.token;
    const claims = decodeJwt(body.token);
    const tagClaim = (claims[TAGS_CLAIM] ?? {}) as { principal_tags?: Record<string, string[]> };
    const tags = Object.fromEntries(
      Object.entries(tagClaim.principal_tags ?? {}).map(([key, values]) => [key, values[0]]),
    );
    this.identity = { flow: "developer", identityId: body.identityId, groups: [], tags };
    this.use(await this.developerCredentials());
  }

  private async developerCredentials(): Promise<AwsCredentials> {
    const token = this.developerToken;
    const identity = this.identity;
    if (!token || !identity) throw new Error("signed out");
    if (Number(decodeJwt(token).exp) * 1000 <= Date.now()) {
      // The token comes only from signing in again: the page keeps no password.
      throw new Error("the developer token has expired: sign in again");
    }
    const client = new CognitoIdentityClient({
      region: this.settings.region,
      ...endpointOptions(this.settings),
    });
    const answer = await client.send(
      new GetCredentialsForIdentityCommand({
        IdentityId: identity.identityId,
        Logins: { [DEVELOPER_LOGIN]: token },
      }),
    );
    const issued = answer.Credentials;
    return {
      accessKeyId: requireValue(issued?.AccessKeyId, "access key"),
      secretAccessKey: requireValue(issued?.SecretKey, "secret key"),
      sessionToken: requireValue(issued?.SessionToken, "session token"),
      expiration: requireValue(issued?.Expiration, "expiration"),
    };
  }

  // Refresh and sign-out -----------------------------------------------------------------------

  async refresh(): Promise<void> {
    if (!this.identity) return;
    try {
      const fresh =
        this.identity.flow === "developer"
          ? await this.developerCredentials()
          : // Amplify caches credentials for 50 minutes whatever their expiry: force a new set.
            fromAmplify((await fetchAuthSession({ forceRefresh: true })).credentials);
      this.refreshes += 1;
      this.use(fresh);
    } catch (error) {
      await this.signOut(`credentials could not be refreshed: ${describe(error)}`);
    }
  }

  async signOut(problem?: string): Promise<void> {
    clearTimeout(this.timer);
    const wasUserPool = this.identity?.flow === "user pool";
    this.identity = null;
    this.current = null;
    this.developerToken = null;
    this.refreshes = 0;
    if (wasUserPool || problem === undefined) {
      // Amplify clears its tokens and credentials (and is a no-op when nobody is signed in).
      await signOut().catch(() => undefined);
    }
    this.changed(this, problem);
  }

  private use(credentials: AwsCredentials): void {
    this.current = credentials;
    clearTimeout(this.timer);
    const lifetime = credentials.expiration.getTime() - Date.now();
    const margin = Math.min(REFRESH_MARGIN_MS, lifetime / 4);
    this.timer = setTimeout(() => void this.refresh(), Math.max(lifetime - margin, 0));
    this.changed(this);
  }

  private due(credentials: AwsCredentials): boolean {
    return credentials.expiration.getTime() - Date.now() < 1000;
  }
}

function fromAmplify(credentials?: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}): AwsCredentials {
  if (!credentials) throw new Error("the identity pool gave no credentials");
  return {
    accessKeyId: credentials.accessKeyId,
    secretAccessKey: credentials.secretAccessKey,
    sessionToken: requireValue(credentials.sessionToken, "session token"),
    expiration: requireValue(credentials.expiration, "expiration"),
  };
}

function requireValue<T>(value: T | undefined | null, what: string): T {
  if (value === undefined || value === null) throw new Error(`Cognito's answer lacks the ${what}`);
  return value;
}

function decodeJwt(token: string): Record<string, unknown> {
  const payload = token.split(".")[1] ?? "";
  const json = atob(payload.replace(/-/g, "+").replace(/_/g, "/"));
  return JSON.parse(json);
}

export function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
