export {
  createLogDriver,
  createResendDriver,
  MailSendError,
  RESEND_DEFAULT_BASE_URL,
  type MailDriver,
  type MailMessage,
  type ResendDriverOptions,
} from './drivers';
export { backoffDelay, defaultBackoff, startMailWorker, type BackoffPolicy, type MailWorker, type MailWorkerOptions } from './mail-worker';
export { enqueueMail, type OutboxMail } from './outbox.service';
export { mailLanguage, renderMail, type MailLanguage, type MailTemplateData, type MailTemplateName, type RenderedMail } from './templates';
