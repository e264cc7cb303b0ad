// Second entry of @tributary/errors: error fakes for the specs of the libs and apps that classify AWS failures.
export { serviceError, networkError } from './testing/aws-error-fakes';
