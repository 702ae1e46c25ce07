// The page's settings: the Amplify outputs file `python -m client config` writes (Amplify Gen 2's
// format), whose `custom` section adds what Amplify has no field for. Nothing here is a secret:
// every value is an id or a URL the browser needs anyway.
import type { ResourcesConfig } from "aws-amplify";
import { parseAmplifyConfig } from "aws-amplify/utils";

export interface Custom {
  login_url: string; // the POST /login URL (developer-authenticated identities)
  items_api_url: string; // the items API's stage URL, ending in "/"
  developer_provider_name: string;
  // Session tag -> the ID token claim it comes from (the stack's principal tags).
  principal_tags: Record<string, string>;
  // Role ARN -> the label the page shows: a group's name, or "default".
  role_labels: Record<string, string>;
  // Only against the offline stack: one endpoint for every AWS service.
  aws_endpoint_url?: string;
}

export interface Settings {
  region: string;
  identityPoolId: string;
  userPoolProviderName: string; // the ID token's key in Logins
  bucket: string;
  custom: Custom;
  amplify: ResourcesConfig;
}

export async function loadSettings(url = "config.json"): Promise<Settings> {
  const answer = await fetch(url, { cache: "no-store" });
  if (!answer.ok) throw new Error(`${url}: HTTP ${answer.status}`);
  const outputs = await answer.json();
  const amplify = parseAmplifyConfig(outputs);
  const custom: Custom = outputs.custom;
  const cognito = amplify.Auth?.Cognito;
  if (!cognito?.identityPoolId || !cognito.userPoolId) {
    throw new Error(`${url}: no user pool or identity pool in the outputs`);
  }
  if (custom.aws_endpoint_url) {
    // Amplify JS takes custom endpoints for both pools (the offline run serves them).
    Object.assign(cognito, {
      userPoolEndpoint: custom.aws_endpoint_url,
      identityPoolEndpoint: custom.aws_endpoint_url,
    });
  }
  const region: string = outputs.auth.aws_region;
  return {
    region,
    identityPoolId: cognito.identityPoolId,
    userPoolProviderName: `cognito-idp.${region}.amazonaws.com/${cognito.userPoolId}`,
    bucket: outputs.storage.bucket_name,
    custom,
    amplify,
  };
}

// The endpoint options of an AWS SDK client: the offline endpoint, or the service's own.
export function endpointOptions(settings: Settings): { endpoint?: string } {
  const endpoint = settings.custom.aws_endpoint_url;
  return endpoint ? { endpoint } : {};
}
