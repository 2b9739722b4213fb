export { isCountryCode, iso3166Alpha2 } from './iso-3166-countries.js';
