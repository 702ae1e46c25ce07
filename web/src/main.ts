// The page: sign in, show who the credentials belong to, and try every folder and route with
// them. Plain DOM, no framework: session.ts and access.ts are the parts to lift into an app.
import { Amplify } from "aws-amplify";
import { Bucket, callerRole, ItemsApi, type Outcome } from "./access";
import { loadSettings, type Settings } from "./config";
import { describe, Session, type Step } from "./session";

const TENANT_TAG = "tenant";
const UNTAGGED = "untagged";
const OPERATIONS = ["list", "upload", "download", "delete"] as const;

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page lacks #${id}`);
  return found as T;
};

function status(text: string): void {
  $("status").textContent = text;
}

async function main(): Promise<void> {
  let settings: Settings;
  try {
    settings = await loadSettings();
  } catch (error) {
    status(`No configuration: ${describe(error)}`);
    return;
  }
  Amplify.configure(settings.amplify);
  const session = new Session(settings, (current, problem) => render(settings, current, problem));
  wireSignIn(session);
  $("refresh").addEventListener("click", () => void session.refresh());
  $("sign-out").addEventListener("click", () => void session.signOut());
  $("try-all").addEventListener("click", () => void tryEverything(settings, session));
  await session.signOut(); // start signed out, whatever Amplify kept from a previous visit
  status("Signed out.");
}

function wireSignIn(session: Session): void {
  const form = $<HTMLFormElement>("sign-in");
  const challenge = $<HTMLFormElement>("challenge");
  let lastStep: Step = { kind: "done" };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const flow = $<HTMLSelectElement>("flow").value;
    const username = $<HTMLInputElement>("username").value.trim();
    const password = $<HTMLInputElement>("password").value;
    status("Signing in...");
    const started =
      flow === "developer"
        ? session.signInAsDeveloper(username, password).then((): Step => ({ kind: "done" }))
        : session.signInWithUserPool(username, password);
    void started.then(
      (step) => (lastStep = showStep(step)),
      (error) => status(`Sign-in refused: ${describe(error)}`),
    );
  });
  challenge.addEventListener("submit", (event) => {
    event.preventDefault();
    const input = $<HTMLInputElement>("challenge-input");
    const response = input.value.trim();
    input.value = "";
    void session.answer(response).then(
      (step) => (lastStep = showStep(step)),
      (error) => status(`${lastStep.kind} refused: ${describe(error)}`),
    );
  });
}

function showStep(step: Step): Step {
  const challenge = $("challenge");
  challenge.hidden = step.kind === "done";
  $("totp-secret").textContent = step.kind === "totp-setup" ? step.secret : "";
  $("challenge-input").setAttribute("type", step.kind === "new-password" ? "password" : "text");
  const labels: Record<Step["kind"], string> = {
    done: "",
    totp: "Code from your authenticator app",
    "totp-setup": "Add this secret to an authenticator app, then enter its code",
    "new-password": "Choose a new password",
  };
  $("challenge-label").textContent = labels[step.kind];
  status(step.kind === "done" ? "Signed in." : "Cognito asks for more.");
  return step;
}

let shownFor: string | null = null;

function render(settings: Settings, session: Session, problem?: string): void {
  const identity = session.identity;
  $("who").hidden = identity === null;
  $("sign-in").hidden = identity !== null;
  $("access").hidden = identity === null;
  if (!identity) {
    shownFor = null;
    for (const id of ["identity-id", "groups", "role", "role-label", "tenant", "expires"]) {
      $(id).textContent = "";
    }
    document.querySelectorAll<HTMLElement>("[data-cell]").forEach((cell) => {
      cell.textContent = "";
      delete cell.dataset.outcome;
    });
    $("refreshes").textContent = "0";
    if (problem) status(`Signed out: ${problem}`);
    return;
  }
  $("identity-id").textContent = identity.identityId;
  $("groups").textContent = identity.groups.join(", ") || "(none)";
  $("tenant").textContent = identity.tags[TENANT_TAG] ?? "(no tenant tag)";
  $("expires").textContent = session.credentialsExpiry?.toISOString() ?? "";
  $("refreshes").textContent = String(session.refreshes);
  $("flow-shown").textContent = identity.flow;
  if (shownFor !== identity.identityId) {
    shownFor = identity.identityId;
    void tryEverything(settings, session);
  }
}

function prefixes(identityId: string, tenant: string | undefined): Record<string, string> {
  return {
    private: `private/${identityId}/`,
    protected: `protected/${identityId}/`,
    public: "public/",
    shared: "shared/",
    // Without a tenant tag no tenant folder is the caller's: try the folder of all of them.
    tenant: tenant ? `tenants/${tenant}/` : "tenants/",
  };
}

function show(cell: string, outcome: Outcome): void {
  const element = document.querySelector<HTMLElement>(`[data-cell="${cell}"]`);
  if (!element) return;
  element.dataset.outcome = outcome.verdict;
  element.textContent = outcome.verdict;
  element.title = outcome.detail;
}

async function tryEverything(settings: Settings, session: Session): Promise<void> {
  const identity = session.identity;
  if (!identity) return;
  $("access").dataset.state = "running";
  try {
    const { role } = await callerRole(settings, session.credentials);
    $("role").textContent = role;
    const arn = Object.keys(settings.custom.role_labels).find((known) =>
      known.endsWith(`:role/${role}`),
    );
    $("role-label").textContent = arn ? settings.custom.role_labels[arn] : role;
  } catch (error) {
    $("role").textContent = `GetCallerIdentity failed: ${describe(error)}`;
  }
  const tenant = identity.tags[TENANT_TAG];
  const bucket = new Bucket(settings, session.credentials);
  for (const [row, prefix] of Object.entries(prefixes(identity.identityId, tenant))) {
    $(`prefix-${row}`).textContent = prefix;
    for (const operation of OPERATIONS) {
      const run = {
        list: () => bucket.list(prefix),
        upload: () => bucket.upload(prefix),
        download: () => bucket.download(prefix),
        delete: () => bucket.remove(prefix),
      }[operation];
      show(`${row}:${operation}`, await run());
    }
  }
  const api = new ItemsApi(settings, session.credentials);
  // Without a tenant tag IAM grants no tenant's routes: any name shows that.
  const tried = tenant ?? UNTAGGED;
  const folder = `tenants/${encodeURIComponent(tried)}/items`;
  const item = `web-${crypto.randomUUID().slice(0, 8)}`;
  $("api-tenant").textContent = tenant ? tried : `${tried} (no tenant tag)`;
  show("api:me", await api.call("GET", "me"));
  show("api:list", await api.call("GET", folder));
  show("api:put", await api.call("PUT", `${folder}/${item}`, { text: "from the web sample" }));
  show("api:delete", await api.call("DELETE", `${folder}/${item}`));
  $("access").dataset.state = session.identity ? "done" : "signed out";
}

void main();
