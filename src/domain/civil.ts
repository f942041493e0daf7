/**
 * The proleptic Gregorian calendar by plain arithmetic (H. Hinnant's `days_from_civil`
 * and `civil_from_days`), for the paths every request takes: checking a day, counting
 * days and writing a stored instant need no Temporal object. Temporal stays where time
 * zones are (what day it is in a transfer's zone). The two agree on every day from
 * 0001-01-01 to 9999-12-31 (a property test compares them).
 */

/** A day of the calendar by its parts. */
export interface CivilDay {
  readonly year: number
  readonly month: number
  readonly day: number
}

const SECONDS_PER_DAY = 86_400
/** Days from 0000-03-01 to 1970-01-01. */
const EPOCH_SHIFT = 719_468
const DAYS_PER_ERA = 146_097

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0

/** Whether `day` of `month` exists in `year` (February 29 in leap years only). */
export const isRealDay = ({ year, month, day }: CivilDay): boolean => {
  if (month < 1 || month > 12 || day < 1) return false
  const length =
    month === 2 ? (isLeapYear(year) ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31
  return day <= length
}

/** Days from 1970-01-01 to the day (negative before it). */
export const daysFromCivil = ({ year, month, day }: CivilDay): number => {
  const shiftedYear = month <= 2 ? year - 1 : year
  const era = Math.floor(shiftedYear / 400)
  const yearOfEra = shiftedYear - era * 400
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear
  return era * DAYS_PER_ERA + dayOfEra - EPOCH_SHIFT
}

/** The day `days` after 1970-01-01. */
export const civilFromDays = (days: number): CivilDay => {
  const shifted = days + EPOCH_SHIFT
  const era = Math.floor(shifted / DAYS_PER_ERA)
  const dayOfEra = shifted - era * DAYS_PER_ERA
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365
  )
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100))
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153)
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day }
}

const twoDigits = (value: number) => (value < 10 ? `0${value}` : String(value))

/** `YYYY-MM-DD` of a day of years 0001 to 9999. */
export const formatCivilDay = ({ year, month, day }: CivilDay): string =>
  `${String(year).padStart(4, "0")}-${twoDigits(month)}-${twoDigits(day)}`

/** `YYYY-MM-DDTHH:MM:SSZ` of an instant of years 0001 to 9999, in whole seconds since the epoch. */
export const formatInstantSeconds = (epochSeconds: number): string => {
  const days = Math.floor(epochSeconds / SECONDS_PER_DAY)
  const secondOfDay = epochSeconds - days * SECONDS_PER_DAY
  const hours = Math.floor(secondOfDay / 3600)
  const minutes = Math.floor((secondOfDay % 3600) / 60)
  return `${formatCivilDay(civilFromDays(days))}T${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(secondOfDay % 60)}Z`
}

const INSTANT_FORM = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/

/**
 * The whole seconds since the epoch of an instant written exactly as
 * `formatInstantSeconds` writes it (years 0001 to 9999, no fraction, no offset, no leap
 * second); `undefined` for any other text.
 */
export const parseInstantSeconds = (text: string): number | undefined => {
  const parts = INSTANT_FORM.exec(text)?.slice(1).map(Number)
  if (parts === undefined) return undefined
  const [year = 0, month = 0, day = 0, hours = 0, minutes = 0, seconds = 0] = parts
  if (year < 1 || !isRealDay({ year, month, day }) || hours > 23 || minutes > 59 || seconds > 59) return undefined
  return daysFromCivil({ year, month, day }) * SECONDS_PER_DAY + hours * 3600 + minutes * 60 + seconds
}
