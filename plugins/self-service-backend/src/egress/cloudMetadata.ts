import { embeddedIPv4, type IpAddress, parseIpAddress } from './ipAddress';

/**
 * Cloud instance metadata services hand the machine's own cloud credentials
 * to anyone who asks from the machine: the first target of every forged
 * request. Backstage's threat model says an allowlist must never open them,
 * so no `selfService.request.allowedHosts` entry does, not even a CIDR
 * around them.
 */
const METADATA_HOSTNAMES: ReadonlySet<string> = new Set([
  'metadata.google.internal', // Google Cloud
  'metadata.goog', // Google Cloud
  'metadata', // Google Cloud, through the instance's search domain
  'instance-data', // AWS
  'instance-data.ec2.internal', // AWS
  'metadata.tencentyun.com', // Tencent Cloud
]);

const METADATA_ADDRESSES: ReadonlyArray<IpAddress> = [
  '169.254.169.254', // AWS, Azure, Google Cloud, Oracle, DigitalOcean, OpenStack
  '169.254.170.2', // AWS ECS task credentials
  '169.254.170.23', // AWS EKS Pod Identity
  'fd00:ec2::254', // AWS IMDS over IPv6
  'fd00:ec2::23', // AWS EKS Pod Identity over IPv6
  '100.100.100.200', // Alibaba Cloud
  '169.254.0.23', // Tencent Cloud
].map(address => parseIpAddress(address)!);

/** Whether a host name (lowercase, as URLs give it) is a metadata service. */
export function isCloudMetadataHostname(hostname: string): boolean {
  return METADATA_HOSTNAMES.has(hostname.replace(/\.$/, ''));
}

/** Whether an address, or the IPv4 address it embeds, is a metadata service. */
export function isCloudMetadataAddress(address: IpAddress): boolean {
  const candidates = [address, embeddedIPv4(address)?.address];
  return candidates.some(
    candidate =>
      candidate !== undefined &&
      METADATA_ADDRESSES.some(
        known =>
          known.kind() === candidate.kind() &&
          known.toNormalizedString() === candidate.toNormalizedString(),
      ),
  );
}
