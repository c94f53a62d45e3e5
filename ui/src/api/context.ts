import { createContext, useContext } from 'solid-js';
import { ResultsApi } from './client.js';

const ApiContext = createContext(new ResultsApi());

/** The results API; tests provide one over their own fetch. */
export const ApiProvider = ApiContext.Provider;
export const useApi = (): ResultsApi => useContext(ApiContext);
