// Kept so existing imports of the platform's secret reference keep working; the type lives in core.
export { SecretKeyRef } from '../core/secret-ref';
