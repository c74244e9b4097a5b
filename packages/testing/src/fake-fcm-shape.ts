// The checks FCM's HTTP v1 API makes on a `message` (the subset Chorus sends), as
// [field, description] violations like google.rpc.BadRequest's.

type Violation = [field: string, description: string];

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function stringMap(value: unknown, field: string, out: Violation[]) {
  if (value === undefined) return;
  if (!isObject(value)) return void out.push([field, `Invalid value at '${field}': not a map`]);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') out.push([`${field}[${key}].value`, `Invalid value at '${field}[${key}].value' (TYPE_STRING)`]);
  }
}

export function checkFcmMessage(message: unknown): Violation[] {
  const out: Violation[] = [];
  if (!isObject(message)) return [['message', 'Missing message']];
  const targets = ['token', 'topic', 'condition'].filter((key) => message[key] !== undefined);
  if (targets.length !== 1) out.push(['message', 'Exactly one of token, topic or condition must be set']);
  if (message.token !== undefined && (typeof message.token !== 'string' || message.token.length === 0)) {
    out.push(['message.token', 'The registration token is not a valid FCM registration token']);
  }
  if (message.notification !== undefined) {
    if (!isObject(message.notification)) out.push(['message.notification', 'Invalid value']);
    else {
      for (const key of ['title', 'body'] as const) {
        const value = message.notification[key];
        if (value !== undefined && typeof value !== 'string')
          out.push([`message.notification.${key}`, `Invalid value at 'message.notification.${key}' (TYPE_STRING)`]);
      }
    }
  }
  stringMap(message.data, 'message.data', out);
  if (isObject(message.data)) {
    for (const key of Object.keys(message.data)) {
      if (key === 'from' || key.startsWith('google') || key.startsWith('gcm')) out.push([`message.data[${key}]`, `Invalid data key: ${key}`]);
    }
  }
  const android = message.android;
  if (android !== undefined) {
    if (!isObject(android)) out.push(['message.android', 'Invalid value']);
    else {
      if (android.ttl !== undefined && (typeof android.ttl !== 'string' || !/^\d{1,10}(\.\d{1,9})?s$/.test(android.ttl))) {
        out.push(['message.android.ttl', "Invalid value at 'message.android.ttl' (type.googleapis.com/google.protobuf.Duration)"]);
      }
      if (android.priority !== undefined && (typeof android.priority !== 'string' || !['high', 'normal'].includes(android.priority.toLowerCase()))) {
        out.push([
          'message.android.priority',
          "Invalid value at 'message.android.priority' (type.googleapis.com/google.firebase.fcm.v1.AndroidMessagePriority)",
        ]);
      }
      if (android.collapse_key !== undefined && typeof android.collapse_key !== 'string')
        out.push(['message.android.collapse_key', 'Invalid value (TYPE_STRING)']);
      const notification = android.notification;
      if (notification !== undefined && isObject(notification)) {
        const count = notification.notification_count;
        if (count !== undefined && (!Number.isInteger(count) || (count as number) < 0))
          out.push(['message.android.notification.notification_count', 'Invalid value (TYPE_INT32)']);
        if (notification.tag !== undefined && typeof notification.tag !== 'string')
          out.push(['message.android.notification.tag', 'Invalid value (TYPE_STRING)']);
      }
    }
  }
  const apns = message.apns;
  if (apns !== undefined) {
    if (!isObject(apns)) out.push(['message.apns', 'Invalid value']);
    else {
      stringMap(apns.headers, 'message.apns.headers', out);
      if (isObject(apns.headers)) {
        const priority = apns.headers['apns-priority'];
        if (priority !== undefined && !['1', '5', '10'].includes(priority as string)) out.push(['message.apns.headers', 'Invalid apns-priority']);
        const expiration = apns.headers['apns-expiration'];
        if (expiration !== undefined && !/^\d+$/.test(expiration as string)) out.push(['message.apns.headers', 'Invalid apns-expiration']);
      }
      if (apns.payload !== undefined && (!isObject(apns.payload) || !isObject(apns.payload.aps))) out.push(['message.apns.payload', 'Invalid APNs payload']);
    }
  }
  return out;
}
