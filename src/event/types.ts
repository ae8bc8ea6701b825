/**
 * The Secure Endpoint event, as one stream message body (and one `/v1/events` `data[]` item).
 * Field list: docs/secure-endpoint-api.md §4.1-4.2. Only the identity and time fields are always present;
 * everything else varies by event type and by era, so it is optional here.
 *
 * `id` is a 64-bit integer above 2^53 on the wire. After `decodeEvent` it is a decimal
 * **string** (lossless); so is every other integer literal of 16 digits or more. Some kinds
 * come without `id` (SecureX threat hunting incidents): `eventKey` (key.ts) gives every event
 * a stable key.
 */
export interface SecureEndpointEvent {
  readonly id?: string;
  readonly timestamp: number;
  readonly timestamp_nanoseconds?: number;
  readonly date: string;
  readonly event_type: string;
  readonly event_type_id: number;
  readonly detection?: string;
  readonly detection_id?: string;
  readonly connector_guid?: string;
  readonly group_guids?: readonly string[];
  readonly severity?: string;
  readonly start_timestamp?: number;
  readonly start_date?: string;
  readonly computer?: EventComputer;
  readonly file?: EventFile;
  readonly network_info?: EventNetworkInfo;
  readonly vulnerabilities?: readonly EventVulnerability[];
  readonly scan?: EventScan;
  readonly cloud_ioc?: { readonly description?: string; readonly short_description?: string };
  readonly error?: { readonly error_code?: number; readonly description?: string };
  readonly isolation?: { readonly duration?: number; readonly user?: string; readonly error_code?: number };
  readonly bp_data?: Readonly<Record<string, unknown>>;
  readonly command_line?: {
    readonly arguments?: string;
    readonly environment?: Readonly<Record<string, unknown>>;
  };
  readonly threat_hunting?: EventThreatHunting;
  readonly tactics?: readonly MitreRef[];
  readonly techniques?: readonly MitreRef[];
  /** Anything else the cloud sends: kept, never dropped. */
  readonly [extra: string]: unknown;
}

export interface EventComputer {
  readonly connector_guid?: string;
  readonly hostname?: string;
  readonly external_ip?: string;
  readonly user?: string;
  readonly active?: boolean;
  readonly network_addresses?: readonly { readonly ip?: string; readonly mac?: string }[];
  readonly links?: { readonly computer?: string; readonly trajectory?: string; readonly group?: string };
}

export interface FileIdentity {
  readonly sha256?: string;
  readonly sha1?: string;
  readonly md5?: string;
}

export interface EventFile {
  readonly disposition?: string;
  readonly file_name?: string;
  readonly file_path?: string;
  readonly file_type?: string;
  readonly identity?: FileIdentity;
  readonly parent?: {
    readonly process_id?: number;
    readonly disposition?: string;
    readonly file_name?: string;
    readonly identity?: FileIdentity;
  };
  readonly archived_file?: { readonly disposition?: string; readonly identity?: FileIdentity };
  readonly attack_details?: Readonly<Record<string, unknown>>;
}

export interface EventNetworkInfo {
  readonly local_ip?: string;
  readonly local_port?: number;
  readonly remote_ip?: string;
  readonly remote_port?: number;
  readonly dirty_url?: string;
  readonly nfm?: { readonly direction?: string; readonly protocol?: string };
  readonly disposition?: string;
  readonly parent?: {
    readonly process_id?: number;
    readonly disposition?: string;
    readonly file_name?: string;
    readonly identity?: FileIdentity;
  };
}

export interface EventVulnerability {
  readonly name?: string;
  readonly version?: string;
  readonly cve?: string;
  /** A string in API JSON ("9.3"); some tools type it as a number: accept both. */
  readonly score?: string | number;
  readonly url?: string;
}

export interface EventScan {
  readonly description?: string;
  readonly clean?: boolean;
  readonly scanned_files?: number;
  readonly scanned_processes?: number;
  readonly scanned_paths?: number;
  readonly malicious_detections?: number;
}

export interface MitreRef {
  readonly name?: string;
  readonly description?: string;
  readonly external_id?: string;
  readonly mitre_name?: string;
  readonly mitre_url?: string;
  readonly [extra: string]: unknown;
}

export interface EventThreatHunting {
  readonly incident_report_guid?: string;
  readonly incident_hunt_guid?: string;
  readonly incident_title?: string;
  readonly incident_summary?: string;
  readonly incident_remediation?: string;
  readonly incident_id?: number | string;
  readonly severity?: string;
  readonly incident_start_time?: number;
  readonly incident_end_time?: number;
  readonly tactics?: readonly MitreRef[];
  readonly techniques?: readonly MitreRef[];
  readonly [extra: string]: unknown;
}

/**
 * One decoded stream message: the original bytes (the `raw` format forwards them untouched)
 * and the parsed event (ids as decimal strings).
 */
export interface DecodedEvent {
  readonly raw: Buffer;
  readonly event: SecureEndpointEvent;
}
