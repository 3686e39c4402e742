import { useAuthenticate } from './authenticate';

export const useCreateAccount = () => useAuthenticate('create-account');
