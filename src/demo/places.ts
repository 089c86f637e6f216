// Word lists the demo learners are drawn from: Indian states with some of their districts (and
// the state's code, which begins a UDISE school code), school kinds, names, user types, boards.

export interface State {
  readonly name: string;
  /** First two digits of the state's UDISE codes. */
  readonly code: string;
  readonly districts: readonly string[];
}

export const states: readonly State[] = [
  { name: 'Karnataka', code: '29', districts: ['Bengaluru Urban', 'Mysuru', 'Belagavi', 'Dharwad', 'Kalaburagi', 'Udupi'] },
  { name: 'Tamil Nadu', code: '33', districts: ['Chennai', 'Coimbatore', 'Madurai', 'Tiruchirappalli', 'Salem', 'Tirunelveli'] },
  { name: 'Maharashtra', code: '27', districts: ['Pune', 'Nagpur', 'Nashik', 'Aurangabad', 'Kolhapur', 'Solapur'] },
  { name: 'Uttar Pradesh', code: '09', districts: ['Lucknow', 'Varanasi', 'Agra', 'Prayagraj', 'Gorakhpur', 'Kanpur Nagar'] },
  { name: 'Rajasthan', code: '08', districts: ['Jaipur', 'Jodhpur', 'Udaipur', 'Ajmer', 'Bikaner', 'Kota'] },
  { name: 'Andhra Pradesh', code: '28', districts: ['Visakhapatnam', 'Guntur', 'Krishna', 'Chittoor', 'Kurnool', 'Anantapur'] },
  { name: 'Odisha', code: '21', districts: ['Khordha', 'Cuttack', 'Ganjam', 'Sambalpur', 'Mayurbhanj', 'Puri'] },
  { name: 'Gujarat', code: '24', districts: ['Ahmedabad', 'Surat', 'Vadodara', 'Rajkot', 'Bhavnagar', 'Kutch'] },
  { name: 'Kerala', code: '32', districts: ['Thiruvananthapuram', 'Ernakulam', 'Kozhikode', 'Thrissur', 'Kollam', 'Kannur'] },
  { name: 'Assam', code: '18', districts: ['Kamrup Metropolitan', 'Dibrugarh', 'Jorhat', 'Nagaon', 'Cachar', 'Sonitpur'] },
];

export const blockSuffixes = ['North', 'South', 'East', 'West', 'Rural', 'Urban'] as const;

export const schoolKinds = [
  'Government Higher Primary School',
  'Government High School',
  'Government Model Primary School',
  'Kendriya Vidyalaya',
  'Jawahar Navodaya Vidyalaya',
  'Zilla Parishad High School',
  'Government Girls Higher Secondary School',
  'Sarvodaya Vidyalaya',
] as const;

export const firstNames = [
  'Aarav', 'Aditi', 'Akash', 'Ananya', 'Anil', 'Arjun', 'Bhavana', 'Deepa', 'Divya', 'Ganesh',
  'Geeta', 'Harish', 'Kavya', 'Kiran', 'Lakshmi', 'Manoj', 'Meena', 'Mohan', 'Neha', 'Nikhil',
  'Pooja', 'Prakash', 'Priya', 'Rahul', 'Ramesh', 'Rekha', 'Sanjay', 'Shreya', 'Sunita', 'Suresh',
  'Swati', 'Vijay', 'Vikram', 'Yamini', 'Farhan', 'Ayesha', 'Joseph', 'Mary', 'Gurpreet', 'Tenzing',
] as const;

export const lastNames = [
  'Sharma', 'Verma', 'Patel', 'Reddy', 'Nair', 'Iyer', 'Gowda', 'Kulkarni', 'Deshmukh', 'Singh',
  'Yadav', 'Das', 'Mohanty', 'Bora', 'Menon', 'Pillai', 'Rao', 'Joshi', 'Khan', 'Fernandes',
  'Chatterjee', 'Mishra', 'Naidu', 'Shetty', 'Gupta',
] as const;

/** Sunbird's user types, with the sub-types an administrator declares. */
export const userTypes = [
  { type: 'teacher', weight: 55 },
  { type: 'student', weight: 28 },
  { type: 'administrator', weight: 10, subTypes: ['HM', 'CRP', 'BRP', 'DEO'] },
  { type: 'parent', weight: 5 },
  { type: 'other', weight: 2 },
] as const;

export const nationalBoards = ['CBSE', 'ICSE'] as const;

export const courseTitles = [
  'Foundational Numeracy for Grade 3',
  'Teaching English Through Stories',
  'Science Experiments with Everyday Things',
  'School Leadership and Management',
  'Joyful Mathematics in the Classroom',
  'Digital Classroom Basics',
  'Inclusive Education: Every Child Learns',
  'Art-Integrated Learning',
  'Health and Well-being in Schools',
  'Competency-Based Assessment',
] as const;

export const contentKinds = ['Video', 'Reading', 'Activity', 'Worksheet'] as const;
